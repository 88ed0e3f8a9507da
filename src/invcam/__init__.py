"""invcam: invert a camera's imaging process with an implicit camera model.

Implements "Inverting the Imaging Process by Learning an Implicit Camera Model"
(Huang et al., CVPR 2023): a per-scene scene model (deformation + irradiance atlas)
fitted jointly with a camera model (blur generator + tone mapper).
"""

__version__ = "0.1.0"
