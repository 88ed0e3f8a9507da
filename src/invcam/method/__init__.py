"""The method of the paper ("Inverting the Imaging Process by Learning an Implicit Camera
Model", Huang et al., CVPR 2023), in the order the forward model runs:

- :mod:`~invcam.method.encodings`: grid and positional encodings (field components);
- :mod:`~invcam.method.scene`: the scene model, deformation D and irradiance atlas (Sec. 3.1);
- :mod:`~invcam.method.camera`: the camera model, blur generator and tone mapper (Sec. 3.2-3.3);
- :mod:`~invcam.method.imaging`: the one forward model, scene -> blur -> response (Eq. 1-9);
- :mod:`~invcam.method.losses`: the losses (Eq. 10-14) and the priors on D;
- :mod:`~invcam.method.init`, :mod:`~invcam.method.fit_setup`, :mod:`~invcam.method.fit`:
  the optimisation (Sec. 3.4): takes a config, returns a result, no file I/O;
- :mod:`~invcam.method.state`, :mod:`~invcam.method.render`: a fit's state as plain data,
  and new exposures rendered from a fitted model.

Nothing here reads or writes files, parses arguments or synthesizes data: that is
:mod:`invcam.io`, :mod:`invcam.cli`, :mod:`invcam.synth`, and :mod:`invcam.app` around them.

References:
    X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
    Learning an Implicit Camera Model." CVPR 2023.
"""
