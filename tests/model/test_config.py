"""Config: versioned JSON round trip, legacy fields, presets."""

from __future__ import annotations

from invcam.config import config_from_dict, config_to_dict, preset


def test_config_round_trip_and_legacy_fields():
    cfg = preset("fast")
    assert config_from_dict(config_to_dict(cfg)) == cfg
    old = config_to_dict(cfg)
    del old["model"]["blur_centered"], old["loss"]["color_relative"], old["loss"]["focus_weight"]
    del old["model"]["blur_jitter"]
    legacy = config_from_dict(old)
    # a file written before these fields existed is read back as it was fitted
    assert legacy.model.blur_centered is False and legacy.model.blur_jitter == 0.0
    assert legacy.loss.color_relative == 0.0 and legacy.loss.focus_weight == 0.0
    assert preset("paper").loss.focus_weight == 0.0 and not preset("paper").model.blur_centered
    assert preset("paper").model.blur_jitter == 0.0 < cfg.model.blur_jitter


def test_moving_scenes_use_the_plain_colour_loss():
    from invcam.motion.prior import moving_config

    fast = preset("fast")
    assert fast.loss.color_relative > 0 and fast.loss.focus_weight > 0
    moving = moving_config(fast)
    assert moving.loss.color_relative == 0.0 and moving.loss.focus_weight == 0.0
    assert moving.model.blur_centered and moving.loss.rigidity > 0
    assert moving.model.blur_jitter == fast.model.blur_jitter > 0     # measured: §5c
