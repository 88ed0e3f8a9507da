"""Config: versioned JSON round trip, legacy fields, presets."""

from __future__ import annotations

from invcam.config import config_from_dict, config_to_dict, preset


def test_config_round_trip_and_legacy_fields():
    cfg = preset("fast")
    assert config_from_dict(config_to_dict(cfg)) == cfg
    old = config_to_dict(cfg)
    del old["model"]["blur_centered"], old["loss"]["color_relative"], old["loss"]["focus_weight"]
    legacy = config_from_dict(old)
    # a file written before these fields existed is read back as it was fitted
    assert legacy.model.blur_centered is False
    assert legacy.loss.color_relative == 0.0 and legacy.loss.focus_weight == 0.0
    assert preset("paper").loss.focus_weight == 0.0 and not preset("paper").model.blur_centered
