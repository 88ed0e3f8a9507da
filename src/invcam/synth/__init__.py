"""Synthetic focus/exposure stacks with ground truth (all-in-focus HDR radiance, depth, CRF).

Pipeline (in linear irradiance): scene radiance and depth -> thin-lens defocus, layered
and occlusion-aware -> focus breathing -> exposure -> noise -> clipping -> response
curve -> quantization. See :func:`synthesize` and :func:`write_synth`.
"""

from invcam.synth.output import write_synth
from invcam.synth.scenes import list_scenes
from invcam.synth.stack import SynthResult, synthesize

__all__ = ["SynthResult", "list_scenes", "synthesize", "write_synth"]
