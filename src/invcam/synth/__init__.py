"""Synthetic focus/exposure stacks with ground truth (all-in-focus HDR radiance, depth, CRF).

Pipeline (in linear irradiance): scene radiance and depth -> thin-lens defocus, layered
and occlusion-aware -> focus breathing -> exposure -> noise -> clipping -> response
curve -> quantization. See :func:`synthesize` and :func:`write_synth`; for videos and
the ``dynamic`` layout :func:`synthesize_video`, :func:`synthesize_dynamic` and
:mod:`invcam.synth.video_output`.
"""

from invcam.synth.output import write_synth
from invcam.synth.scenes import list_scenes
from invcam.synth.stack import SynthResult, synthesize
from invcam.synth.video import VideoResult, synthesize_dynamic, synthesize_video

__all__ = ["SynthResult", "VideoResult", "list_scenes", "synthesize", "synthesize_dynamic",
           "synthesize_video", "write_synth"]
