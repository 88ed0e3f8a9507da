"""invcam: invert a camera's imaging process with an implicit camera model.

Implements "Inverting the Imaging Process by Learning an Implicit Camera Model"
(Huang et al., CVPR 2023): a per-scene scene model (deformation + irradiance atlas)
fitted jointly with a camera model (blur generator + tone mapper).

Layers, inner to outer: :mod:`invcam.config`, :mod:`invcam.photometry`,
:mod:`invcam.errors`; :mod:`invcam.method` (the paper's method), :mod:`invcam.motion`,
:mod:`invcam.io`; :mod:`invcam.app` (one fit run from a stack to its outputs);
:mod:`invcam.cli`, :mod:`invcam.bench`, :mod:`invcam.batch`, :mod:`invcam.report`.
:mod:`invcam.synth` makes synthetic stacks with ground truth, :mod:`invcam.baselines` the
classical pipelines.
"""

__version__ = "0.1.0"
