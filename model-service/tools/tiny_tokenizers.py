"""Tokenizers built in-process for tiny test pipelines (nothing comes from a hub).

Both builders produce tokenizers of the same *class* the real checkpoints use, so the
pipelines' own tokenization code paths (chat template for EasyAnimate's Qwen2-VL,
padding/truncation for Wan's UMT5) run unchanged; only the vocabularies are tiny.
"""

from __future__ import annotations

import string

# A faithful subset of Qwen2-VL's chat template: text parts only, which is all the
# EasyAnimate pipeline sends (`[{"role": "user", "content": [{"type": "text", ...}]}]`).
QWEN2_VL_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

QWEN2_SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def build_qwen2_tokenizer():
    """A byte-level BPE Qwen2Tokenizer: the 256 byte symbols plus Qwen's special tokens.

    Every byte string is encodable (no merges, so one token per byte). Vocabulary size
    is 259; the text encoder must have vocab_size >= that.
    """
    from tokenizers import pre_tokenizers
    from transformers import Qwen2Tokenizer

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {symbol: index for index, symbol in enumerate(alphabet)}
    for token in QWEN2_SPECIAL_TOKENS:
        vocab[token] = len(vocab)
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=[],
        unk_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    tokenizer.chat_template = QWEN2_VL_CHAT_TEMPLATE
    return tokenizer


def build_t5_tokenizer():
    """A Unigram T5Tokenizer (the class UMT5/Wan uses) over ASCII letters, digits and punctuation.

    Ids: <pad>=0, </s>=1, <unk>=2, then "▁" and single characters; anything else maps to <unk>.
    """
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    for char in string.ascii_letters + string.digits + string.punctuation:
        pieces.append((char, -3.0))
        pieces.append(("▁" + char, -3.5))
    return T5Tokenizer(vocab=pieces, extra_ids=0)
