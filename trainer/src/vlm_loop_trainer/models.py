"""Model presets (Mask R-CNN from torchvision), weight loading, and the model a job trains (``model_for``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import torch
from torch import nn
from torchvision.models.detection import MaskRCNN, maskrcnn_resnet50_fpn
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.rpn import RPNHead
import torchvision
from torchvision.models.detection import roi_heads as _roi_heads
from torchvision.ops import MultiScaleRoIAlign, roi_align
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
from torchvision.ops.poolers import _convert_to_roi_format, _filter_input, _setup_scales

from .ignore import install_ignore_regions
from .mask_weights import install_mask_weights

if TYPE_CHECKING:  # config imports this module's presets
    from .config import JobConfig

log = logging.getLogger(__name__)


class WeightsUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    # hyper-parameter defaults (a spec's ``hyper`` overrides them)
    hyper: dict[str, Any] = field(default_factory=dict)
    supports_coco: bool = False
    # defaults that replace ``hyper``'s when warm-starting from a checkpoint
    # (the spec's own ``hyper`` still wins): a converged model wants a gentler
    # learning rate and a short warm-up
    warm_start_hyper: dict[str, Any] = field(default_factory=dict)


_COMMON_HYPER = {
    "optimizer": "adamw",
    "momentum": 0.9,
    "weightDecay": 1e-4,
    "gradClipNorm": 10.0,
    "lrSchedule": "cosine",
    "minLrFactor": 0.02,
    "warmupFactor": 0.001,
    "maxIterations": None,
    "epochs": {"base": 10, "min": 12},
    "earlyStopping": {"patience": 5, "minDelta": 0.0},
    "augment": {"hflip": True, "vflip": False, "scaleJitter": [0.75, 1.25], "colorJitter": 0.1},
}

PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        "tiny",
        "Very small ResNet-ish Mask R-CNN for unit tests (seconds on a CPU).",
        {**_COMMON_HYPER, "lr": 2e-3, "batchSize": 2, "imageSize": 96, "warmupIterations": 5, "evalEvery": 20},
        warm_start_hyper={"lr": 5e-4, "warmupIterations": 2},
    ),
    "small": Preset(
        "small",
        "From-scratch CPU preset: ResNet-18 layout at half width without the stem max-pool (trainable BatchNorm), GroupNorm FPN (64 ch, strides 4-16 + pool) and heads, half-pixel-aligned RoIAlign.",
        {
            **_COMMON_HYPER,
            "lr": 2e-3,
            "batchSize": 4,
            "imageSize": 160,
            "warmupIterations": 100,
            "evalEvery": 100,
            # from scratch in minutes, scale and colour jitter only slowed learning:
            # held-out mask AP at iteration 600 0.292 / 0.296 (seeds 0 / 1) with flips
            # alone against 0.248 with them on 800 images, 0.241 vs 0.232 on 160
            # (bench/results/trainer-builtin.md); a spec's hyper.augment turns them on
            "augment": {"hflip": True, "vflip": False, "scaleJitter": None, "colorJitter": 0.0},
        },
        warm_start_hyper={"lr": 5e-4, "warmupIterations": 20},
    ),
    "resnet50-fpn": Preset(
        "resnet50-fpn",
        "torchvision maskrcnn_resnet50_fpn (the study's model); GPU in practice.",
        {
            **_COMMON_HYPER,
            "optimizer": "sgd",
            "lr": 0.02,
            "weightDecay": 1e-4,
            "batchSize": 4,
            "imageSize": 800,
            "warmupIterations": 500,
            "evalEvery": 500,
            "augment": {"hflip": True, "vflip": False, "scaleJitter": [0.8, 1.2], "colorJitter": 0.0},
        },
        supports_coco=True,
        warm_start_hyper={"lr": 0.005, "warmupIterations": 100},
    ),
}


def group_norm(channels: int, groups: int = 16) -> nn.GroupNorm:
    g = groups
    while channels % g:
        g //= 2
    return nn.GroupNorm(g, channels)


def _size_kwargs(image_size: int) -> dict[str, int]:
    # min_size is the short side; keep the usual 800/1333 aspect allowance
    return {"min_size": image_size, "max_size": int(round(image_size * 1333 / 800))}


def resnet18_layout(width: int, stem_max_pool: bool = False) -> nn.Module:
    """ResNet-18's layout at ``width`` base channels, by default without the
    stem's max-pool, so layers 1-4 run at strides 2-16 instead of 4-32. At
    width 32 it costs about what the standard ResNet-18 costs, but the
    stride-4 and stride-8 features come from layers 2 and 3 (four and six
    blocks deep) instead of layers 1 and 2: the built-in dataset's 5-30 px
    objects are told apart there (held-out mask AP 0.134 vs 0.067 at
    iteration 300 and 0.248 vs 0.176 at 600; bench/results/trainer-builtin.md)."""
    from torchvision.models.resnet import BasicBlock, ResNet

    body = ResNet(BasicBlock, [2, 2, 2, 2], norm_layer=nn.BatchNorm2d)
    body.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
    body.bn1 = nn.BatchNorm2d(width)
    if not stem_max_pool:
        body.maxpool = nn.Identity()
    body.inplanes = width
    body.layer1 = body._make_layer(BasicBlock, width, 2)
    body.layer2 = body._make_layer(BasicBlock, width * 2, 2, stride=2)
    body.layer3 = body._make_layer(BasicBlock, width * 4, 2, stride=2)
    body.layer4 = body._make_layer(BasicBlock, width * 8, 2, stride=2)
    return body


def _build_small(num_classes: int, image_size: int, width: int = 64, tiny: bool = False, box_batch: int = 96) -> MaskRCNN:
    gn = partial(group_norm, groups=16 if width >= 64 else 8)
    if tiny:
        # shrink the body: one basic block per stage, fewer channels
        from torchvision.models.resnet import BasicBlock, ResNet

        body = ResNet(BasicBlock, [1, 1, 1, 1], norm_layer=nn.BatchNorm2d, width_per_group=64)
        chans = [128, 256, 512]  # strides 8, 16, 32 (+ pool: 64)
    else:
        body = resnet18_layout(32)
        chans = [64, 128, 256]  # strides 4, 8, 16 (+ pool: 32)
    fpn = BackboneWithFPN(
        body,
        return_layers={"layer2": "0", "layer3": "1", "layer4": "2"},
        in_channels_list=chans,
        out_channels=width,
        extra_blocks=LastLevelMaxPool(),
        norm_layer=gn,
    )
    sizes = ((16,), (32,), (64,), (96,)) if tiny else ((8,), (16,), (32,), (64,))
    anchors = AnchorGenerator(sizes=sizes, aspect_ratios=((0.5, 1.0, 2.0),) * len(sizes))
    rpn_head = RPNHead(width, anchors.num_anchors_per_location()[0])
    rep = 256 if tiny else 512
    box_head = _GNTwoMLPHead(width * 7 * 7, rep)
    mask_layers = [width] * (2 if tiny else 4)
    mask_head = MaskRCNNHeads(width, mask_layers, 1, norm_layer=gn)
    mask_predictor = MaskRCNNPredictor(width, width, num_classes)
    levels = ["0", "1", "2"]
    return MaskRCNN(
        fpn,
        num_classes=None,
        rpn_anchor_generator=anchors,
        rpn_head=rpn_head,
        box_head=box_head,
        box_predictor=FastRCNNPredictor(rep, num_classes),
        mask_head=mask_head,
        mask_predictor=mask_predictor,
        # at 160 px a 7x7 / 14x14 bin is below one feature pixel on the finest
        # level: one bilinear sample per bin loses nothing and the CPU
        # roi_align backward (a scalar loop) gets 4x cheaper
        box_roi_pool=AlignedMultiScaleRoIAlign(levels, 7, sampling_ratio=1),
        mask_roi_pool=AlignedMultiScaleRoIAlign(levels, 14, sampling_ratio=1),
        rpn_pre_nms_top_n_train=1000,
        rpn_post_nms_top_n_train=500,
        rpn_pre_nms_top_n_test=500,
        rpn_post_nms_top_n_test=300,
        box_batch_size_per_image=box_batch,
        box_detections_per_img=50,  # <= 6 objects per 160 px image in practice; halves mask-head inference
        **_size_kwargs(image_size),
    )


# ----------------------------------------------------------------------------
# half-pixel-correct RoIAlign
#
# torchvision keeps Detectron's legacy RoIAlign (aligned=False) both for the
# mask targets (project_masks_on_boxes) and for the feature poolers. Boxes here
# use the pixel-edge convention (x2 = last column + 1), so the legacy sampling
# reads every target half a pixel right and below of where it should: on the
# built-in dataset (objects of 8-50 px) ground-truth masks projected that way
# and pasted back score mask AP 0.72 against themselves with perfect boxes,
# 0.89 with aligned=True (see bench/results/trainer-builtin.md). Detectron2
# projects mask targets with aligned=True for the same reason.


def aligned_project_masks_on_boxes(gt_masks: torch.Tensor, boxes: torch.Tensor, matched_idxs: torch.Tensor, M: int) -> torch.Tensor:
    rois = torch.cat([matched_idxs.to(boxes)[:, None], boxes], dim=1)
    return roi_align(gt_masks[:, None].to(rois), rois, (M, M), 1.0, aligned=True)[:, 0]


_LEGACY_PROJECT_MASKS = _roi_heads.project_masks_on_boxes


def install_aligned_mask_targets() -> None:
    """Makes torchvision's RoIHeads (which look the function up at call time)
    build mask targets with aligned RoIAlign. Idempotent; training-only."""
    _roi_heads.project_masks_on_boxes = aligned_project_masks_on_boxes


class AlignedMultiScaleRoIAlign(MultiScaleRoIAlign):
    """MultiScaleRoIAlign sampling features with aligned=True (exports to
    ONNX RoiAlign with half_pixel coordinates)."""

    def forward(self, x: dict[str, torch.Tensor], boxes: list[torch.Tensor], image_shapes: list[tuple[int, int]]) -> torch.Tensor:
        feats = _filter_input(x, self.featmap_names)
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(feats, image_shapes, self.canonical_scale, self.canonical_level)
        rois = _convert_to_roi_format(boxes)
        pool = partial(roi_align, output_size=self.output_size, sampling_ratio=self.sampling_ratio, aligned=True)
        if len(feats) == 1:
            return pool(feats[0], rois, spatial_scale=self.scales[0])
        levels = self.map_levels(boxes)
        if torchvision._is_tracing():
            return _merge_levels_by_gather(feats, self.scales, rois, levels, pool)
        out = feats[0].new_zeros((len(rois), feats[0].shape[1]) + tuple(self.output_size))
        for level, (f, scale) in enumerate(zip(feats, self.scales)):
            idx = torch.where(levels == level)[0]
            out[idx] = pool(f, rois[idx], spatial_scale=scale).to(out.dtype)
        return out


def _merge_levels_by_gather(feats, scales, rois: torch.Tensor, levels: torch.Tensor, pool) -> torch.Tensor:
    """The export's merge of per-level RoIAlign results back into RoI order:
    one Gather by the inverse permutation. torchvision's _onnx_merge_levels
    scatters every level into a zero tensor (ONNX ScatterElements, element by
    element in onnxruntime: 18 % of the small preset's run at 160 px); the
    values are the same, only moved."""
    idxs, parts = [], []
    for level, (f, scale) in enumerate(zip(feats, scales)):
        idx = torch.where(levels == level)[0]
        idxs.append(idx)
        parts.append(pool(f, rois[idx], spatial_scale=scale))
    return torch.cat(parts)[torch.argsort(torch.cat(idxs))]


class _GNTwoMLPHead(TwoMLPHead):
    """Two fully-connected layers (the usual box head); kept as a subclass so
    presets can evolve without breaking checkpoints' key names."""


COCO_WEIGHTS_NAME = "MaskRCNN_ResNet50_FPN_Weights.COCO_V1"


def coco_weights_cache_path() -> str:
    from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights

    url = MaskRCNN_ResNet50_FPN_Weights.COCO_V1.url
    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))


def _build_resnet50(num_classes: int, image_size: int, coco: bool) -> MaskRCNN:
    kw = _size_kwargs(image_size)
    if not coco:
        return maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=num_classes, **kw)
    from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights

    weights = MaskRCNN_ResNet50_FPN_Weights.COCO_V1
    cache = coco_weights_cache_path()
    if os.path.exists(cache):
        log.info("loading COCO weights from torch hub cache %s", cache)
    elif os.environ.get("VLM_LOOP_TRAINER_OFFLINE", "") not in ("", "0"):
        raise WeightsUnavailable(f"COCO weights are not in the torch hub cache ({cache}) and downloads are disabled (VLM_LOOP_TRAINER_OFFLINE)")
    else:
        log.info("COCO weights not in cache (%s); trying to download", cache)
    try:
        model = maskrcnn_resnet50_fpn(weights=weights, weights_backbone=None, **kw)
    except Exception as e:  # network errors, hash mismatch, corrupt file
        raise WeightsUnavailable(f"COCO weights could not be loaded (cache path {cache}): {e}") from e
    # replace the predictor heads for the project's classes
    in_features = model.roi_heads.box_predictor.cls_score.in_features
    model.roi_heads.box_predictor = FastRCNNPredictor(in_features, num_classes)
    hidden = model.roi_heads.mask_predictor.conv5_mask.out_channels
    in_ch = model.roi_heads.mask_predictor.conv5_mask.in_channels
    model.roi_heads.mask_predictor = MaskRCNNPredictor(in_ch, hidden, num_classes)
    return model


def build_model(preset: str, num_classes: int, image_size: int, weights: Any = "none") -> MaskRCNN:
    """``num_classes`` excludes the background class."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}")
    n = num_classes + 1
    install_aligned_mask_targets()
    coco = weights == "coco"
    if coco and not PRESETS[preset].supports_coco:
        raise WeightsUnavailable(f"preset {preset!r} has no COCO weights; use 'none' or a checkpoint")
    if preset == "resnet50-fpn":
        return _build_resnet50(n, image_size, coco)
    tiny = preset == "tiny"  # the test preset keeps P3-P5: seconds matter more there
    return _build_small(n, image_size, tiny=tiny, width=32 if tiny else 64)


# ----------------------------------------------------------------------------
# warm start from a previous model version's checkpoint


def extract_state_dict(obj: Any) -> tuple[dict[str, torch.Tensor], list[dict] | None]:
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        return obj["model"], obj.get("categories")
    if isinstance(obj, dict) and "state_dict" in obj:
        return obj["state_dict"], obj.get("categories")
    if isinstance(obj, dict):
        return obj, None
    raise ValueError("checkpoint does not contain a state dict")


_CLASS_ROWS = {
    "roi_heads.box_predictor.cls_score.weight": 1,
    "roi_heads.box_predictor.cls_score.bias": 1,
    "roi_heads.box_predictor.bbox_pred.weight": 4,
    "roi_heads.box_predictor.bbox_pred.bias": 4,
    "roi_heads.mask_predictor.mask_fcn_logits.weight": 1,
    "roi_heads.mask_predictor.mask_fcn_logits.bias": 1,
}


def load_warm_start(model: nn.Module, path: str, categories: list[dict]) -> dict[str, Any]:
    """Loads a previous version's weights. Parameters whose shape matches are
    copied; class-specific predictor rows are remapped by category id when the
    checkpoint records its categories (new classes keep their fresh init)."""
    obj = torch.load(path, map_location="cpu", weights_only=False)
    sd, old_cats = extract_state_dict(obj)
    own = model.state_dict()
    _check_same_architecture(own, sd)
    loaded, skipped, remapped = 0, [], []
    new_sd = {}
    for k, v in sd.items():
        if k not in own:
            skipped.append(k)
            continue
        if own[k].shape == v.shape and (k not in _CLASS_ROWS or old_cats is None or _same_cats(old_cats, categories)):
            new_sd[k] = v
            loaded += 1
        elif k in _CLASS_ROWS and old_cats is not None:
            per = _CLASS_ROWS[k]
            t = own[k].clone()
            old_index = {c["id"]: i + 1 for i, c in enumerate(old_cats)}
            rows = [(0, 0)] + [(i + 1, old_index[c["id"]]) for i, c in enumerate(categories) if c["id"] in old_index]
            for new_i, old_i in rows:
                t[new_i * per : (new_i + 1) * per] = v[old_i * per : (old_i + 1) * per]
            new_sd[k] = t
            remapped.append(k)
        else:
            skipped.append(k)
    model.load_state_dict(new_sd, strict=False)
    if skipped:
        log.warning("warm start: %d tensors not loaded (shape/name mismatch): %s", len(skipped), skipped[:8])
    return {"loaded": loaded, "remapped": len(remapped), "skipped": len(skipped)}


def warm_start(model: nn.Module, cfg: JobConfig) -> None:
    """Loads a spec's ``{"base": ...}`` or ``{"checkpoint": ...}`` weights;
    any failure to load a checkpoint is ``WeightsUnavailable`` (a job error)."""
    from .base import load_base  # base builds models to check layouts: imported here, not at the top

    if "base" in cfg.weights:
        # read_base checks everything (hash, format, preset, layout) before a tensor is loaded
        info = load_base(model, cfg.weights["base"], cfg.preset)
        log.info("base start from %s: %d tensors, heads replaced: %s", cfg.weights["base"], info["loaded"], info["replaced"])
        return
    p = cfg.weights["checkpoint"]
    if not os.path.exists(p):
        raise WeightsUnavailable(f"warm-start checkpoint not found: {p}")
    try:
        info = load_warm_start(model, p, cfg.categories)
    except Exception as e:
        raise WeightsUnavailable(f"cannot load warm-start checkpoint {p}: {e}") from e
    log.info("warm start from %s: %s", p, info)


def model_for(cfg: JobConfig) -> MaskRCNN:
    """The model a job trains: the preset's architecture for the spec's
    categories, its starting weights, crowd regions as ignore regions, and
    a weight per instance on the mask loss."""
    model = build_model(cfg.preset, len(cfg.categories), int(cfg.hyper["imageSize"]), cfg.weights)
    if isinstance(cfg.weights, dict):
        warm_start(model, cfg)
    install_ignore_regions(model)  # crowd annotations: ignored, not background
    install_mask_weights(model)  # approved labels: their share of the mask loss (hyper.approvedMaskWeight)
    return model


def _check_same_architecture(own: dict[str, torch.Tensor], sd: dict[str, torch.Tensor]) -> None:
    """A checkpoint of another architecture (e.g. a model version trained
    before a preset changed) would load a handful of tensors and train the
    rest from scratch while calling it a warm start: refuse it instead."""
    differ = [k for k, v in own.items() if k not in _CLASS_ROWS and (k not in sd or sd[k].shape != v.shape)]
    if differ:
        raise ValueError(
            f"the checkpoint's architecture differs from the preset's: {len(differ)} of {len(own)} tensors are missing or shaped differently"
            f" (e.g. {differ[:3]}); train from scratch or warm-start from a version of this preset"
        )


def _same_cats(a: list[dict], b: list[dict]) -> bool:
    return [c["id"] for c in a] == [c["id"] for c in b]


# ----------------------------------------------------------------------------
# export form: GroupNorm that survives an empty batch in onnxruntime


class EmptySafeGroupNorm(nn.Module):
    """Numerically equivalent to nn.GroupNorm but never reshapes the batch
    dimension: per-channel moments are pooled into groups with a fixed
    (C x G) assignment matrix, so N == 0 exports and runs fine in ONNX."""

    def __init__(self, gn: nn.GroupNorm):
        super().__init__()
        c, g = gn.num_channels, gn.num_groups
        self.eps = gn.eps
        self.num_groups = g
        assign = torch.zeros(c, g)
        assign[torch.arange(c), torch.arange(c) // (c // g)] = 1.0
        self.register_buffer("to_group", assign / (c // g), persistent=False)  # C x G, averages
        self.register_buffer("to_channel", assign.t().contiguous(), persistent=False)  # G x C, broadcasts back
        self.affine = gn.affine
        if gn.affine:
            self.weight = nn.Parameter(gn.weight.detach().clone())
            self.bias = nn.Parameter(gn.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: N x C x H x W (any spatial rank >= 1)
        dims = list(range(2, x.dim()))
        mean_c = x.mean(dim=dims)  # N x C
        mean = (mean_c @ self.to_group) @ self.to_channel  # N x C
        xc = x - mean[(...,) + (None,) * len(dims)]
        var_c = (xc * xc).mean(dim=dims)
        var = (var_c @ self.to_group) @ self.to_channel
        y = xc * torch.rsqrt(var + self.eps)[(...,) + (None,) * len(dims)]
        if self.affine:
            y = y * self.weight[(...,) + (None,) * len(dims)] + self.bias[(...,) + (None,) * len(dims)]
        return y


def replace_group_norm(module: nn.Module) -> int:
    """In-place: swaps every nn.GroupNorm for EmptySafeGroupNorm. Returns count."""
    n = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.GroupNorm):
            setattr(module, name, EmptySafeGroupNorm(child).to(next(child.parameters()).device if child.affine else "cpu"))
            n += 1
        else:
            n += replace_group_norm(child)
    return n


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


ModelFactory = Callable[..., MaskRCNN]
