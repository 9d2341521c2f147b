"""EasyAnimate V5.1 through diffusers (``MODEL_BACKEND=easyanimate``).

``MODEL_PATH`` is a diffusers pipeline folder, e.g. a local copy of
``alibaba-pai/EasyAnimateV5.1-12b-zh-InP-diffusers`` (or ``-7b-``, or the t2v-only
``EasyAnimateV5.1-12b-zh-diffusers``). Which pipeline runs is decided by the transformer, not by
``model_index.json``:

* an *InP* transformer (``in_channels`` > the VAE's latent channels: it takes a mask and the
  masked-video latents) loads ``EasyAnimateInpaintPipeline`` and serves both text-to-video
  (empty video, every frame masked, as EasyAnimate's own predict_t2v.py does with InP weights)
  and image-to-video (the request image as the first frame, the frames after it masked);
* a plain transformer loads ``EasyAnimatePipeline``: text-to-video only; an image is refused.

Memory modes, progress, cancellation, dtype: see ``diffusers_common``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.backends.base import GenerationRequest
from app.backends.diffusers_common import DiffusersBackend, read_json

if TYPE_CHECKING:
    from PIL import Image

    from app.settings import Settings

__all__ = ["EasyAnimateBackend", "create_backend"]


class EasyAnimateBackend(DiffusersBackend):
    name = "easyanimate"
    frame_multiple = 4  # MagVIT VAE: 4x temporal compression, first frame kept
    size_multiple = 16  # VAE x8, patch 2 (the pipeline silently rounds down otherwise)
    transformer_class = "EasyAnimateTransformer3DModel"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.inpaint = False

    def select_pipeline_class(self, model_dir: Path) -> type:
        from diffusers import EasyAnimateInpaintPipeline, EasyAnimatePipeline

        transformer = read_json(model_dir / "transformer" / "config.json")
        vae = read_json(model_dir / "vae" / "config.json")
        in_channels = transformer.get("in_channels")
        latent_channels = vae.get("latent_channels")
        if not isinstance(in_channels, int) or not isinstance(latent_channels, int):
            raise ValueError(
                f"{model_dir} does not look like an EasyAnimate pipeline: transformer in_channels "
                f"{in_channels!r}, vae latent_channels {latent_channels!r}"
            )
        self.inpaint = in_channels != latent_channels
        return EasyAnimateInpaintPipeline if self.inpaint else EasyAnimatePipeline

    @property
    def supports_image(self) -> bool:
        return self.inpaint

    def after_load(self, pipe: Any) -> None:
        # diffusers' inpaint pipeline reads vae.config.cache_mag_vae, which AutoencoderKLMagvit does
        # not define (only configs converted with the key carry it). The MagVIT VAE always encodes
        # the first frame on its own, which is what cache_mag_vae=True tells resize_mask.
        if self.inpaint and "cache_mag_vae" not in pipe.vae.config:
            pipe.vae.register_to_config(cache_mag_vae=True)

    def pipeline_kwargs(
        self, request: GenerationRequest, image: Image.Image | None
    ) -> dict[str, Any]:
        if not self.inpaint:
            return {}
        from diffusers.pipelines.easyanimate.pipeline_easyanimate_inpaint import (
            get_image_to_video_latent,
        )

        # With an image: it fills every frame of the conditioning video and the mask (255 =
        # generate) covers the frames after the first. Without: zeros, everything masked (t2v).
        video, mask_video = get_image_to_video_latent(
            image, None, request.num_frames, (request.height, request.width)
        )
        return {"video": video, "mask_video": mask_video}


def create_backend(settings: Settings) -> EasyAnimateBackend:
    return EasyAnimateBackend(settings)
