"""Wan2.1 through diffusers (``MODEL_BACKEND=wan``).

``MODEL_PATH`` is a diffusers pipeline folder, e.g. a local copy of
``Wan-AI/Wan2.1-T2V-1.3B-Diffusers``, ``Wan-AI/Wan2.1-T2V-14B-Diffusers`` or
``Wan-AI/Wan2.1-I2V-14B-480P-Diffusers``. Wan checkpoints are either text-to-video or
image-to-video; the transformer decides (``image_dim`` set, i.e. it takes CLIP image
embeddings: ``WanImageToVideoPipeline``, and every job needs an image; otherwise
``WanPipeline`` and images are refused).

Per job, ``extra.flow_shift`` (alias ``extra.sample_shift``, Wan's generate.py name) sets the
scheduler's shift; default 5.0, and 3.0 for image-to-video at 480p (at most 832x480 pixels),
as Wan's generate.py does. Frame counts must be 4n+1 and sizes multiples of 16.
The VAE (and the CLIP image encoder) run in float32, as diffusers' Wan docs recommend; the rest in
the service dtype.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.backends.base import GenerationRequest, InvalidInput
from app.backends.diffusers_common import DiffusersBackend, read_json

if TYPE_CHECKING:
    import torch
    from PIL import Image

    from app.settings import Settings

__all__ = ["WanBackend", "create_backend", "flow_shift_for"]

DEFAULT_FLOW_SHIFT = 5.0
I2V_480P_FLOW_SHIFT = 3.0
PIXELS_480P = 832 * 480


def flow_shift_for(request: GenerationRequest, image_to_video: bool) -> float:
    """The scheduler shift for a job (InvalidInput for a bad extra value)."""
    for key in ("flow_shift", "sample_shift"):
        if key in request.extra and request.extra[key] is not None:
            value = request.extra[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInput(f"extra.{key} must be a number", field=f"extra.{key}")
            if not math.isfinite(value) or value <= 0:
                raise InvalidInput(f"extra.{key} must be > 0, got {value}", field=f"extra.{key}")
            return float(value)
    if image_to_video and request.width * request.height <= PIXELS_480P:
        return I2V_480P_FLOW_SHIFT
    return DEFAULT_FLOW_SHIFT


class WanBackend(DiffusersBackend):
    name = "wan"
    frame_multiple = 4  # Wan VAE: 4x temporal compression
    size_multiple = 16  # VAE x8, patch (1, 2, 2)
    transformer_class = "WanTransformer3DModel"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.image_to_video = False
        self._scheduler_config: dict[str, Any] = {}
        self.last_flow_shift: float | None = None

    def select_pipeline_class(self, model_dir: Path) -> type:
        from diffusers import WanImageToVideoPipeline, WanPipeline

        transformer = read_json(model_dir / "transformer" / "config.json")
        if "in_channels" not in transformer or "patch_size" not in transformer:
            raise ValueError(f"{model_dir} does not look like a Wan pipeline (transformer config)")
        self.image_to_video = transformer.get("image_dim") is not None
        return WanImageToVideoPipeline if self.image_to_video else WanPipeline

    @property
    def supports_image(self) -> bool:
        return self.image_to_video

    def component_dtypes(self, dtype: torch.dtype) -> dict[str, Any]:
        import torch

        return {"default": dtype, "vae": torch.float32, "image_encoder": torch.float32}

    def after_load(self, pipe: Any) -> None:
        self._scheduler_config = dict(pipe.scheduler.config)

    def validate_specific(self, request: GenerationRequest) -> None:
        if self.image_to_video and request.image is None:
            raise InvalidInput(
                "the loaded Wan model is image-to-video: send an image (image_base64)",
                field="image_base64",
            )
        flow_shift_for(request, self.image_to_video)

    def pipeline_kwargs(
        self, request: GenerationRequest, image: Image.Image | None
    ) -> dict[str, Any]:
        shift = flow_shift_for(request, self.image_to_video)
        config = self._scheduler_config
        # UniPC (what Wan checkpoints ship) calls it flow_shift; flow-match Euler calls it shift.
        key = "flow_shift" if "flow_shift" in config else "shift"
        self.pipe.scheduler = type(self.pipe.scheduler).from_config(config, **{key: shift})
        self.last_flow_shift = shift
        return {"image": image} if self.image_to_video else {}


def create_backend(settings: Settings) -> WanBackend:
    return WanBackend(settings)
