"""What the diffusers-based backends (EasyAnimate, Wan) share.

* ``env_setting`` / ``TorchOptions``: backend-specific environment settings, read once, failing
  with a ``SettingsError`` that names the variable.
* ``DiffusersBackend``: loads one pipeline from ``MODEL_PATH`` (diffusers folder layout,
  ``local_files_only``), applies the job's memory mode, runs the pipeline with progress and
  cancellation through ``callback_on_step_end``, and encodes the frames with ``encode_mp4``.

Memory modes (``request.memory_mode``; ``DEFAULT_MEMORY_MODE`` when the request has none):

=============================== ============================================== =============
mode                            what happens                                   on CPU hosts
=============================== ============================================== =============
``model_full_gpu`` (or null;    ``pipe.to(device)``: every component resident  runs (device
alias ``model_full_load``)      on the GPU                                     = cpu)
``model_cpu_offload``           ``enable_model_cpu_offload``: one component    InvalidInput
                                on the GPU at a time
``model_cpu_offload_and_qfloat8`` transformer quantised to qfloat8 (optimum-   InvalidInput
                                quanto ``quantize`` + ``freeze``), then model
                                CPU offload
``sequential_cpu_offload``      ``enable_sequential_cpu_offload``: weights     InvalidInput
                                streamed layer by layer (slowest, least VRAM)
=============================== ============================================== =============

Switching modes between jobs: hooks are removed (``remove_all_hooks``) and the new mode applied
to the same pipeline object, except when leaving ``sequential_cpu_offload`` or leaving the
quantised mode for an unquantised one: then the whole pipeline is reloaded from ``MODEL_PATH``,
because accelerate's sequential offload leaves parameters on the ``meta`` device and quanto's
quantisation replaces the transformer's layers in place (neither can be undone reliably).
A reload costs what start-up cost (tens of seconds for a 12B model from local disk).

``CPU_OFFLOAD_EMULATION=true`` (for tests and CPU-only development only) lets the two model
offload modes run on a CPU host with the CPU as accelerate's execution device, so their hook and
quantisation code paths (and the mode switching above) run without a GPU. Sequential offload
stays refused on CPU: accelerate cannot execute it there.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app import gpu
from app.backends.base import DeviceInfo, GenerationRequest, InvalidInput, JobCancelled, JobContext
from app.settings import SettingsError

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image

    from app.settings import Settings

__all__ = [
    "CPU_MODES",
    "MEMORY_MODES",
    "DiffusersBackend",
    "TorchOptions",
    "env_setting",
    "parse_bool",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

MODEL_FULL_GPU = "model_full_gpu"
MODEL_CPU_OFFLOAD = "model_cpu_offload"
MODEL_CPU_OFFLOAD_QFLOAT8 = "model_cpu_offload_and_qfloat8"
SEQUENTIAL_CPU_OFFLOAD = "sequential_cpu_offload"
MEMORY_MODES: tuple[str, ...] = (
    MODEL_FULL_GPU,
    MODEL_CPU_OFFLOAD,
    MODEL_CPU_OFFLOAD_QFLOAT8,
    SEQUENTIAL_CPU_OFFLOAD,
)
MEMORY_MODE_ALIASES: dict[str, str] = {"model_full_load": MODEL_FULL_GPU}
CPU_MODES: tuple[str, ...] = (MODEL_FULL_GPU,)
CPU_EMULATED_MODES: tuple[str, ...] = (MODEL_CPU_OFFLOAD, MODEL_CPU_OFFLOAD_QFLOAT8)
DTYPES: tuple[str, ...] = ("auto", "bfloat16", "float16", "float32")
DTYPE_ALIASES: dict[str, str] = {
    "bf16": "bfloat16",
    "fp16": "float16",
    "half": "float16",
    "fp32": "float32",
    "float": "float32",
}


# -- settings ------------------------------------------------------------------------------------


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def env_setting(
    env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T, hint: str
) -> T:
    """``parse(env[name])``, ``default`` when unset or blank; a ``SettingsError`` naming the
    variable and what it expects when the value does not parse."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw.strip())
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{name}={raw!r} is invalid: expected {hint} ({exc})") from None


def _choice(
    options: tuple[str, ...], aliases: Mapping[str, str] | None = None
) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.lower()
        value = (aliases or {}).get(value, value)
        if value not in options:
            raise ValueError(f"not one of {', '.join(options)}")
        return value

    return parse


def _device(raw: str) -> str:
    value = raw.lower()
    if value in ("auto", "cpu", "cuda") or (value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise ValueError("not auto, cpu, cuda or cuda:N")


@dataclass(frozen=True)
class TorchOptions:
    """Environment settings of the diffusers backends."""

    device: str = "auto"  # TORCH_DEVICE: auto (cuda when available) | cuda | cuda:N | cpu
    dtype: str = "auto"  # TORCH_DTYPE: auto (bf16 if supported, else fp16 on CUDA; fp32 on CPU)
    default_memory_mode: str = MODEL_FULL_GPU  # DEFAULT_MEMORY_MODE
    cpu_offload_emulation: bool = False  # CPU_OFFLOAD_EMULATION (tests only)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TorchOptions:
        return cls(
            device=env_setting(env, "TORCH_DEVICE", _device, "auto", "auto|cpu|cuda|cuda:N"),
            dtype=env_setting(
                env, "TORCH_DTYPE", _choice(DTYPES, DTYPE_ALIASES), "auto", "|".join(DTYPES)
            ),
            default_memory_mode=env_setting(
                env,
                "DEFAULT_MEMORY_MODE",
                _choice(MEMORY_MODES, MEMORY_MODE_ALIASES),
                MODEL_FULL_GPU,
                "|".join(MEMORY_MODES),
            ),
            cpu_offload_emulation=env_setting(
                env, "CPU_OFFLOAD_EMULATION", parse_bool, False, "true or false"
            ),
        )


# -- helpers -------------------------------------------------------------------------------------


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a JSON object")
    return data


def decode_image(data: bytes) -> Image.Image:
    """The request's conditioning image as RGB, or InvalidInput."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"image is not a decodable picture: {exc}", field="image_base64"
        ) from None


def frames_to_uint8(frames: Any) -> np.ndarray:
    """Pipeline output (``output_type="np"``: floats in [0, 1], batch x frames x H x W x 3, or
    frames x H x W x 3) to uint8 frames x H x W x 3."""
    import numpy as np

    arr = np.asarray(frames)
    if arr.ndim == 5:
        arr = arr[0]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise RuntimeError(f"unexpected pipeline output shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = (np.clip(arr, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return arr


# -- the backend ---------------------------------------------------------------------------------


class DiffusersBackend:
    """One diffusers pipeline, loaded once, run one job at a time. Subclasses say which pipeline
    class fits the folder and how a request becomes pipeline arguments."""

    name = "diffusers"
    #: frames must be a multiple of this plus one (VAE temporal compression)
    frame_multiple = 4
    #: width and height must be multiples of this (VAE spatial compression x patch size)
    size_multiple = 16
    #: the transformer class model_index.json must name
    transformer_class = ""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.options = TorchOptions.from_env(settings.env)
        self._lock = threading.Lock()  # one job (or mode switch) at a time
        self.pipe: Any = None
        self.pipeline_class: type | None = None
        self.device: torch.device | None = None
        self.dtype: torch.dtype | None = None
        self.memory_mode: str | None = None  # mode currently applied to self.pipe
        self.quantized = False
        self.reloads = 0  # how often a mode switch reloaded the pipeline (for tests and logs)

    # -- subclass hooks ------------------------------------------------------------------------
    def select_pipeline_class(self, model_dir: Path) -> type:
        raise NotImplementedError

    @property
    def supports_image(self) -> bool:
        raise NotImplementedError

    def component_dtypes(self, dtype: torch.dtype) -> torch.dtype | dict[str, Any]:
        return dtype

    def after_load(self, pipe: Any) -> None:
        """Adjust a freshly loaded pipeline (called after every (re)load)."""

    def pipeline_kwargs(
        self, request: GenerationRequest, image: Image.Image | None
    ) -> dict[str, Any]:
        raise NotImplementedError

    def validate_specific(self, request: GenerationRequest) -> None:
        """Backend-specific checks; raise InvalidInput."""

    # -- Backend protocol ------------------------------------------------------------------------
    def load(self) -> None:
        model_dir = self._model_dir()
        try:
            import diffusers  # noqa: F401
            import torch
        except ImportError as exc:
            raise RuntimeError(
                f"the {self.name} backend needs the ML requirements ({exc.name} is missing): "
                "bash scripts/setup-python.sh --ml"
            ) from exc
        self.device = self._resolve_device(torch)
        self.dtype = self._resolve_dtype(torch, self.device)
        self._check_model_index(model_dir)
        self.pipeline_class = self.select_pipeline_class(model_dir)
        t0 = time.monotonic()
        self.pipe = self._load_pipeline(model_dir)
        log.info(
            "pipeline loaded",
            extra={
                "pipeline": self.pipeline_class.__name__,
                "device": str(self.device),
                "dtype": str(self.dtype).removeprefix("torch."),
                "load_seconds": round(time.monotonic() - t0, 2),
            },
        )
        mode = self.options.default_memory_mode
        if self.device.type == "cpu" and mode not in CPU_MODES:
            mode = MODEL_FULL_GPU  # a GPU default must not stop a CPU host from starting
        self._apply_memory_mode(mode)

    def device_info(self) -> DeviceInfo:
        if self.device is not None and self.device.type == "cpu":
            return gpu.cpu_device_info(self.settings.simulated_vram_gb)
        index = self.device.index or 0 if self.device is not None else 0
        return gpu.query_device_info(self.settings.simulated_vram_gb, self.settings.env, index)

    def release_memory(self) -> None:
        gpu.release_memory()

    def validate(self, request: GenerationRequest) -> None:
        """Cheap checks done before a job is accepted (the service answers 422)."""
        m = self.size_multiple
        if request.width % m or request.height % m:
            raise InvalidInput(
                f"width and height must be multiples of {m} for {self.name}, "
                f"got {request.width}x{request.height}",
                field="size",
            )
        if request.num_frames < 1 or (request.num_frames - 1) % self.frame_multiple:
            raise InvalidInput(
                f"num_frames must be {self.frame_multiple}n+1 (1, 5, 9, ...) for {self.name}, "
                f"got {request.num_frames}",
                field="num_frames",
            )
        if request.image is not None and not self.supports_image:
            raise InvalidInput(
                f"the loaded {self.name} model ({self._class_name()}) is text-to-video only; "
                "an image needs an image-to-video checkpoint",
                field="image_base64",
            )
        self.resolve_memory_mode(request.memory_mode)
        self.validate_specific(request)

    def generate(self, request: GenerationRequest, ctx: JobContext) -> None:
        import torch

        self.validate(request)
        mode = self.resolve_memory_mode(request.memory_mode)
        image = decode_image(request.image) if request.image is not None else None
        ctx.raise_if_cancelled()
        total = request.num_inference_steps

        def on_step_end(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict:
            ctx.report_progress(step + 1, total)
            if ctx.is_cancelled():
                pipe._interrupt = True  # the loop skips the remaining steps ...
                raise JobCancelled("job cancelled")  # ... and we do not wait for the VAE decode
            return {}

        with self._lock:
            self._apply_memory_mode(mode)
            ctx.raise_if_cancelled()
            generator = None
            if request.seed is not None:
                # A CPU generator gives the same noise on every device (diffusers moves it).
                generator = torch.Generator(device="cpu").manual_seed(int(request.seed))
            kwargs = self.pipeline_kwargs(request, image)
            kwargs.update(
                prompt=request.prompt,
                negative_prompt=request.negative_prompt or "",
                height=request.height,
                width=request.width,
                num_frames=request.num_frames,
                num_inference_steps=total,
                guidance_scale=request.guidance_scale,
                generator=generator,
                output_type="np",
                callback_on_step_end=on_step_end,
            )
            ctx.report_progress(0, total)
            t0 = time.monotonic()
            try:
                output = self.pipe(**kwargs)
            except BaseException:
                self.pipe._interrupt = False
                self.pipe.maybe_free_model_hooks()  # re-arm offload hooks the loop left behind
                raise
            log.info(
                "pipeline finished",
                extra={"seconds": round(time.monotonic() - t0, 3), "memory_mode": mode},
            )
        ctx.raise_if_cancelled()  # cancelled during the VAE decode
        frames = frames_to_uint8(output.frames)
        if frames.shape[1:3] != (request.height, request.width):
            raise RuntimeError(
                f"pipeline produced {frames.shape[2]}x{frames.shape[1]} frames, "
                f"expected {request.width}x{request.height}"
            )
        from app.video import encode_mp4

        encode_mp4(
            frames,
            request.width,
            request.height,
            request.fps,
            ctx.output_path,
            ffmpeg=self.settings.ffmpeg_binary,
        )

    # -- memory modes ------------------------------------------------------------------------------
    def resolve_memory_mode(self, requested: str | None) -> str:
        """The mode a job runs with, or InvalidInput naming memory_mode."""
        if requested is None:
            mode = self.options.default_memory_mode
            if self._on_cpu() and mode not in CPU_MODES:
                mode = MODEL_FULL_GPU
            return mode
        mode = MEMORY_MODE_ALIASES.get(requested, requested)
        if mode not in MEMORY_MODES:
            raise InvalidInput(
                f"memory_mode {requested!r} is unknown; use one of {', '.join(MEMORY_MODES)}",
                field="memory_mode",
            )
        if self._on_cpu() and mode not in CPU_MODES:
            allowed = CPU_MODES + (CPU_EMULATED_MODES if self.options.cpu_offload_emulation else ())
            if mode not in allowed:
                raise InvalidInput(
                    f"memory_mode {mode!r} needs a CUDA GPU and this service runs on the CPU; "
                    f"use one of {', '.join(allowed)} (or leave memory_mode unset)",
                    field="memory_mode",
                )
        return mode

    def _apply_memory_mode(self, mode: str) -> None:
        if mode == self.memory_mode:
            return
        assert self.device is not None
        t0 = time.monotonic()
        previous = self.memory_mode
        leaving_quantized = self.quantized and mode != MODEL_CPU_OFFLOAD_QFLOAT8
        if previous == SEQUENTIAL_CPU_OFFLOAD or leaving_quantized:
            self._reload()
        else:
            self.pipe.remove_all_hooks()
        # Where accelerate executes offloaded modules: the GPU, or the CPU when emulating.
        exec_device = self.device
        if mode == MODEL_FULL_GPU:
            self.pipe.to(self.device)
        elif mode == MODEL_CPU_OFFLOAD:
            self.pipe.enable_model_cpu_offload(device=exec_device)
        elif mode == MODEL_CPU_OFFLOAD_QFLOAT8:
            if not self.quantized:
                self._quantize_transformer()
            self.pipe.enable_model_cpu_offload(device=exec_device)
        elif mode == SEQUENTIAL_CPU_OFFLOAD:
            self.pipe.enable_sequential_cpu_offload(device=exec_device)
        else:  # resolve_memory_mode guards this
            raise ValueError(f"unknown memory mode {mode!r}")
        self.memory_mode = mode
        log.info(
            "memory mode applied",
            extra={
                "memory_mode": mode,
                "previous": previous,
                "seconds": round(time.monotonic() - t0, 2),
            },
        )

    def _quantize_transformer(self) -> None:
        try:
            from optimum.quanto import freeze, qfloat8, quantize
        except ImportError as exc:
            raise RuntimeError(
                "model_cpu_offload_and_qfloat8 needs optimum-quanto (requirements-ml.txt)"
            ) from exc
        self.pipe.to("cpu")  # quantise on the host: the GPU never holds the full-precision copy
        transformer = self.pipe.transformer
        quantize(transformer, weights=qfloat8)
        freeze(transformer)
        self.quantized = True

    def _reload(self) -> None:
        log.info("reloading the pipeline to leave a memory mode that cannot be undone in place")
        self.pipe.remove_all_hooks()
        self.pipe = None
        gpu.release_memory()
        self.pipe = self._load_pipeline(self._model_dir())
        self.quantized = False
        self.memory_mode = None
        self.reloads += 1

    # -- loading ---------------------------------------------------------------------------------
    def _model_dir(self) -> Path:
        path = self.settings.model_path
        if path is None:
            raise RuntimeError(
                f"MODEL_PATH is not set; point it at a diffusers pipeline folder for {self.name}"
            )
        if not path.is_dir():
            raise FileNotFoundError(f"MODEL_PATH={path} is not a directory")
        if not (path / "model_index.json").is_file():
            raise FileNotFoundError(
                f"MODEL_PATH={path} is not a diffusers pipeline folder (no model_index.json)"
            )
        return path

    def _check_model_index(self, model_dir: Path) -> None:
        index = read_json(model_dir / "model_index.json")
        entry = index.get("transformer")
        found = entry[1] if isinstance(entry, list) and len(entry) == 2 else None
        if self.transformer_class and found != self.transformer_class:
            raise ValueError(
                f"MODEL_PATH={model_dir} is not a {self.name} pipeline: its transformer is "
                f"{found!r}, expected {self.transformer_class!r}"
            )

    def _load_pipeline(self, model_dir: Path) -> Any:
        assert self.pipeline_class is not None and self.dtype is not None
        pipe = self.pipeline_class.from_pretrained(
            str(model_dir),
            dtype=self.component_dtypes(self.dtype),
            local_files_only=True,
        )
        pipe.set_progress_bar_config(disable=True)
        self.after_load(pipe)
        return pipe

    def _class_name(self) -> str:
        return self.pipeline_class.__name__ if self.pipeline_class else "not loaded"

    def _on_cpu(self) -> bool:
        return self.device is None or self.device.type == "cpu"

    def _resolve_device(self, torch: Any) -> torch.device:
        choice = self.options.device
        if choice == "auto":
            return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        if choice.startswith("cuda") and not torch.cuda.is_available():
            raise SettingsError(f"TORCH_DEVICE={choice!r} but torch sees no CUDA device")
        if choice == "cuda":
            return torch.device("cuda:0")
        return torch.device(choice)

    def _resolve_dtype(self, torch: Any, device: torch.device) -> torch.dtype:
        choice = self.options.dtype
        if choice == "auto":
            if device.type == "cuda":
                with torch.cuda.device(device):
                    bf16 = torch.cuda.is_bf16_supported()
                return torch.bfloat16 if bf16 else torch.float16
            return torch.float32
        dtype: torch.dtype = getattr(torch, choice)
        return dtype
