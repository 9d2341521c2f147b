#!/usr/bin/env python
"""Write a tiny random-weight Wan2.1 pipeline folder (diffusers layout).

    python tools/build_tiny_wan.py DIR [--i2v]

Same layout and component classes as Wan-AI/Wan2.1-*-Diffusers: transformer/
(WanTransformer3DModel), vae/ (AutoencoderKLWan), text_encoder/ (UMT5EncoderModel),
tokenizer/ (T5Tokenizer, built locally), scheduler/ (UniPCMultistepScheduler with flow
sigmas, as the real checkpoints ship). --i2v adds image_encoder/ (CLIPVisionModel
WithProjection) and image_processor/ and writes a WanImageToVideoPipeline, like the
Wan2.1-I2V checkpoints. Sizes follow diffusers' tests/pipelines/wan/test_wan*.py.
Output resolution must be a multiple of 16; frame counts 4n+1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tiny_tokenizers import build_t5_tokenizer  # noqa: E402

TEXT_DIM = 32


def build(out_dir: str | Path, *, i2v: bool = False, seed: int = 0) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLWan,
        UniPCMultistepScheduler,
        WanImageToVideoPipeline,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        CLIPVisionModel,
        UMT5Config,
        UMT5EncoderModel,
    )

    out = Path(out_dir)
    tokenizer = build_t5_tokenizer()

    torch.manual_seed(seed)
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )

    scheduler = UniPCMultistepScheduler(
        prediction_type="flow_prediction",
        use_flow_sigmas=True,
        num_train_timesteps=1000,
        flow_shift=3.0,
    )

    torch.manual_seed(seed)
    text_encoder = UMT5EncoderModel(
        UMT5Config(
            vocab_size=len(tokenizer),
            d_model=TEXT_DIM,
            d_kv=8,
            d_ff=37,
            num_layers=2,
            num_heads=4,
            relative_attention_num_buckets=8,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.pad_token_id,
        )
    ).eval()

    torch.manual_seed(seed)
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=36
        if i2v
        else 16,  # i2v: noisy latents + 4 mask channels + 16 image-condition channels
        out_channels=16,
        text_dim=TEXT_DIM,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        image_dim=4 if i2v else None,
    )

    components = {
        "transformer": transformer,
        "vae": vae,
        "scheduler": scheduler,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
    }
    if i2v:
        torch.manual_seed(seed)
        components["image_encoder"] = CLIPVisionModel(
            CLIPVisionConfig(
                hidden_size=4,
                num_hidden_layers=2,
                num_attention_heads=2,
                image_size=32,
                intermediate_size=16,
                patch_size=1,
            )
        ).eval()
        components["image_processor"] = CLIPImageProcessor(crop_size=32, size=32)
        pipe = WanImageToVideoPipeline(**components)
    else:
        pipe = WanPipeline(**components)
    out.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(out, safe_serialization=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir")
    parser.add_argument(
        "--i2v", action="store_true", help="image-to-video pipeline (Wan2.1-I2V layout)"
    )
    args = parser.parse_args()
    print(build(args.out_dir, i2v=args.i2v))


if __name__ == "__main__":
    main()
