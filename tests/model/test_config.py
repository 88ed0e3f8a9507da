"""Config: versioned JSON round trip, legacy fields, presets."""

from __future__ import annotations

from invcam.config import config_from_dict, config_to_dict
from invcam.overrides import override
from invcam.presets import preset


def test_config_round_trip():
    for name in ("fast", "paper", "moving"):
        cfg = preset(name)
        assert config_from_dict(config_to_dict(cfg)) == cfg


def test_a_version_1_file_is_read_as_it_was_fitted():
    cfg = preset("fast")
    old = {**config_to_dict(cfg), "version": 1}  # written before these fields existed
    del old["model"]["blur_centered"], old["loss"]["color_relative"], old["loss"]["focus_weight"]
    del old["model"]["blur_jitter"]
    legacy = config_from_dict(old)
    assert legacy.model.blur_centered is False and legacy.model.blur_jitter == 0.0
    assert legacy.loss.color_relative == 0.0 and legacy.loss.focus_weight == 0.0


def test_the_paper_preset_keeps_the_papers_choices():
    paper, fast = preset("paper"), preset("fast")
    assert paper.loss.focus_weight == 0.0 and paper.loss.color_relative == 0.0
    assert not paper.model.blur_centered
    assert paper.model.blur_jitter == 0.0 < fast.model.blur_jitter
    assert paper.model.atlas == "pe" and paper.optim.iters == 150_000


def test_moving_scenes_use_the_plain_colour_loss():
    from invcam.presets import moving_config

    fast = preset("fast")
    assert fast.loss.color_relative > 0 and fast.loss.focus_weight > 0
    moving = moving_config(fast)
    assert moving.loss.color_relative == 0.0 and moving.loss.focus_weight == 0.0
    assert moving.model.blur_centered and moving.loss.rigidity > 0
    assert moving.model.blur_jitter == fast.model.blur_jitter > 0


def test_moving_fits_start_their_psfs_sharp_and_leave_the_papers_alone():
    import torch

    from invcam.method.camera import BlurGenerator
    from invcam.presets import MOVING_CENTER_LOGIT, moving_config

    def centre_weight(cfg):
        gen = BlurGenerator(cfg.model, num_images=2, size=(40, 60))
        return gen(torch.rand(2, 20, 2) * 2 - 1)[1][..., 4]

    fast, paper = preset("fast"), preset("paper")
    moving = moving_config(fast)
    assert moving.model.blur_center_logit == MOVING_CENTER_LOGIT > fast.model.blur_center_logit
    # 94 % of a 3 x 3 PSF at its centre in a moving fit, under half in a static one
    assert torch.all(centre_weight(moving) > 0.9) and torch.all(centre_weight(fast) < 0.5)
    assert moving_config(paper).model == paper.model  # the paper's MLPs as the paper has them


def test_override_parses_each_field_by_its_type():
    import pytest

    from invcam.errors import InvcamError
    from invcam.overrides import override

    cfg = override(preset("fast"), "loss.deform_prior=1e-5")
    assert cfg.loss.deform_prior == 1e-5 and cfg.model == preset("fast").model
    assert override(cfg, "model.blur_centered=false").model.blur_centered is False
    assert override(cfg, "optim.batch=4096").optim.batch == 4096
    assert override(cfg, "optim.minutes=2.5").optim.minutes == 2.5
    assert override(cfg, "model.blur_center_logit=-1").model.blur_center_logit == -1.0
    assert override(cfg, "model.deform=grid").model.deform == "grid"
    for bad, named in [("loss.nope=1", "loss.nope=1"), ("color=1", "color=1"),
                       ("loss.color", "loss.color"), ("seed.x=1", "seed.x=1"),
                       ("optim.batch=many", "'many' is not an integer"),
                       ("loss.color=nan", "'nan' is not a finite number"),
                       ("model.blur_envelope=1e39", "'1e39' is not a finite number"),
                       ("optim.minutes=nan", "'nan' is not a number or none"),
                       ("model.blur_centered=maybe", "'maybe' is not true or false"),
                       ("model.blur=foo", "choose from grid, mlp"),
                       ("optim.batch=0", "at least 1"), ("loss.color=-1", "not be negative"),
                       ("model.lens_aperture=0", "must be positive")]:
        with pytest.raises(InvcamError, match=named):
            override(cfg, bad)


def test_presets_are_named_described_and_spelled_out():
    import dataclasses

    from invcam.config import FitConfig
    from invcam.presets import DESCRIPTIONS, MOVING, PRESETS, moving_config

    assert set(PRESETS) == set(DESCRIPTIONS) == {"fast", "paper", "moving"}
    assert all(cfg.preset == name for name, cfg in PRESETS.items())
    assert PRESETS["fast"] == FitConfig()  # the dataclass defaults are the fast preset
    # what --motion dynamic does to fast is the moving preset, under fast's name
    assert moving_config(PRESETS["fast"]) == dataclasses.replace(MOVING, preset="fast")
    assert MOVING.model.deform == "grid" and MOVING.loss.color_relative == 0.0


def test_readme_presets_table_is_the_generated_one():
    from pathlib import Path

    from invcam.presets import departures, departures_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- presets-table -->\n", "\n<!-- /presets-table -->"
    table = readme[readme.index(start) + len(start):readme.index(end)]
    assert table == departures_table()
    changed = {name for name, _, _ in departures()}
    assert {"model.atlas", "loss.color_relative", "optim.iters"} <= changed
    assert "model.blur_n" not in changed  # both use the paper's 3 x 3 patch


def test_config_versions_one_and_two():
    import pytest

    from invcam.config import CONFIG_VERSION
    from invcam.errors import InvcamError

    assert CONFIG_VERSION == 7
    current = config_to_dict(preset("fast"))
    del current["loss"]["deform_temporal"]
    with pytest.raises(InvcamError, match="loss lacks deform_temporal"):
        config_from_dict(current)  # version 7 files are complete: a migration adds fields
    old = {**config_to_dict(preset("fast")), "version": 1}
    del old["loss"]["deform_temporal"], old["optim"]["lr_similarity"]
    migrated = config_from_dict(old)
    assert migrated.loss.deform_temporal == 0.0 and migrated.optim.lr_similarity == 1e-3
    for bad in ({**current, "version": 8}, {**current, "model": 5}):
        with pytest.raises(InvcamError):
            config_from_dict(bad)


def test_a_config_with_an_unknown_kind_is_refused_in_one_line():
    import pytest

    from invcam.errors import InvcamError

    data = config_to_dict(preset("fast"))
    data["model"]["atlas"] = "hash"
    with pytest.raises(InvcamError, match="model.atlas is 'hash'; this invcam knows grid, pe"):
        config_from_dict(data)


def test_version_2_and_3_files_are_read_as_they_were_fitted():
    import pytest

    from invcam.errors import InvcamError

    v2 = {**config_to_dict(preset("fast")), "version": 2}
    del v2["loss"]["color_robust"]  # written before the robust colour loss
    del v2["model"]["blur_jitter_antithetic"]  # and before antithetic jitter
    assert preset("fast").loss.color_robust > 0
    migrated = config_from_dict(v2)
    assert migrated.loss.color_robust == 0.0
    assert migrated.model.blur_jitter_antithetic is False
    v3 = {**config_to_dict(preset("fast")), "version": 3}
    del v3["model"]["blur_jitter_antithetic"]
    migrated = config_from_dict(v3)
    assert migrated.model.blur_jitter_antithetic is False
    assert migrated.loss.color_robust == preset("fast").loss.color_robust
    current = config_to_dict(preset("fast"))
    del current["model"]["blur_jitter_antithetic"]
    with pytest.raises(InvcamError, match="model lacks blur_jitter_antithetic"):
        config_from_dict(current)


def test_version_5_files_hold_the_residual_wherever_a_frame_is_blind():
    v5 = {**config_to_dict(preset("moving")), "version": 5}
    del v5["loss"]["deform_steady"]
    assert preset("moving").loss.deform_steady > 0
    assert config_from_dict(v5).loss.deform_steady == 0.0


def test_version_6_files_hold_a_blind_residual_at_zero():
    v6 = {**config_to_dict(preset("moving")), "version": 6}
    del v6["loss"]["deform_follow"]
    assert preset("moving").loss.deform_follow > 0
    assert config_from_dict(v6).loss.deform_follow == 0


def test_deform_follow_may_be_switched_off_but_not_below():
    import pytest

    from invcam.errors import InvcamError

    assert override(preset("moving"), "loss.deform_follow=0").loss.deform_follow == 0
    for bad in ("-1", "1.5", "nan"):
        with pytest.raises(InvcamError, match="loss.deform_follow"):
            override(preset("moving"), f"loss.deform_follow={bad}")


def test_version_4_files_get_the_lens_fields_unused():
    v4 = {**config_to_dict(preset("fast")), "version": 4}
    del v4["model"]["lens_cell"], v4["model"]["lens_aperture"], v4["optim"]["lr_lens"]
    migrated = config_from_dict(v4)
    assert migrated == preset("fast") and migrated.model.blur == "grid"
    lens = config_from_dict(config_to_dict(override(preset("fast"), "model.blur=lens")))
    assert lens.model.blur == "lens" and lens.model.lens_cell == 8
