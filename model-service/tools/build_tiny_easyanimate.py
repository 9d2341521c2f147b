#!/usr/bin/env python
"""Write a tiny random-weight EasyAnimate pipeline folder (diffusers layout).

    python tools/build_tiny_easyanimate.py DIR [--t2v-only]

The folder has the same layout and classes as alibaba-pai/EasyAnimateV5.1-*-diffusers
(model_index.json, transformer/, vae/, text_encoder/ = Qwen2VLForConditionalGeneration,
tokenizer/ = Qwen2Tokenizer, scheduler/), so the backend loads it through exactly the
code path it uses for real weights. Component sizes follow diffusers'
tests/pipelines/easyanimate/test_easyanimate.py. By default the transformer is an
"InP" (inpaint) transformer, like EasyAnimateV5.1-*-InP, which serves both t2v and i2v;
--t2v-only writes a plain text-to-video transformer (EasyAnimatePipeline).
Output resolution must be a multiple of 16 (VAE x8, patch 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tiny_tokenizers import build_qwen2_tokenizer  # noqa: E402

LATENT_CHANNELS = 4
TEXT_HIDDEN = 16


def build(out_dir: str | Path, *, inpaint: bool = True, seed: int = 0) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLMagvit,
        EasyAnimateInpaintPipeline,
        EasyAnimatePipeline,
        EasyAnimateTransformer3DModel,
        FlowMatchEulerDiscreteScheduler,
    )
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    out = Path(out_dir)
    tokenizer = build_qwen2_tokenizer()

    torch.manual_seed(seed)
    # InP transformer input = noisy latents + 1 mask channel + masked-video latents.
    in_channels = LATENT_CHANNELS * 2 + 1 if inpaint else LATENT_CHANNELS
    transformer = EasyAnimateTransformer3DModel(
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=in_channels,
        out_channels=LATENT_CHANNELS,
        time_embed_dim=2,
        text_embed_dim=TEXT_HIDDEN,
        num_layers=1,
        sample_width=16,
        sample_height=16,
        patch_size=2,
    )

    torch.manual_seed(seed)
    vae = AutoencoderKLMagvit(
        in_channels=3,
        out_channels=3,
        down_block_types=(
            "SpatialDownBlock3D",
            "SpatialTemporalDownBlock3D",
            "SpatialTemporalDownBlock3D",
            "SpatialTemporalDownBlock3D",
        ),
        up_block_types=(
            "SpatialUpBlock3D",
            "SpatialTemporalUpBlock3D",
            "SpatialTemporalUpBlock3D",
            "SpatialTemporalUpBlock3D",
        ),
        block_out_channels=(8, 8, 8, 8),
        latent_channels=LATENT_CHANNELS,
        layers_per_block=1,
        norm_num_groups=2,
        spatial_group_norm=False,
    )

    torch.manual_seed(seed)
    special = {
        t: tokenizer.convert_tokens_to_ids(t)
        for t in ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
    }
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": TEXT_HIDDEN,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "max_position_embeddings": 512,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 10000.0,
                "mrope_section": [1, 1, 2],
            },
            "bos_token_id": special["<|im_start|>"],
            "eos_token_id": special["<|im_end|>"],
            "pad_token_id": special["<|endoftext|>"],
        },
        vision_config={
            "depth": 1,
            "embed_dim": 16,
            "hidden_size": TEXT_HIDDEN,
            "num_heads": 2,
            "mlp_ratio": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        # Image/video placeholder ids must be in the tiny vocabulary (text prompts never use them).
        image_token_id=special["<|endoftext|>"],
        video_token_id=special["<|endoftext|>"],
        vision_start_token_id=special["<|im_start|>"],
        vision_end_token_id=special["<|im_end|>"],
    )
    text_encoder = Qwen2VLForConditionalGeneration(config).eval()

    scheduler = FlowMatchEulerDiscreteScheduler()
    pipeline_class = EasyAnimateInpaintPipeline if inpaint else EasyAnimatePipeline
    pipe = pipeline_class(
        transformer=transformer,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
    )
    out.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(out, safe_serialization=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir")
    parser.add_argument(
        "--t2v-only", action="store_true", help="plain t2v transformer instead of InP"
    )
    args = parser.parse_args()
    path = build(args.out_dir, inpaint=not args.t2v_only)
    print(path)


if __name__ == "__main__":
    main()
