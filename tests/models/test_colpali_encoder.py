"""ColPali / ColQwen2 multi-vector encoders against transformers' own scoring, offline.

Tiny checkpoints are built and saved in the session (:mod:`tests.fixtures.tiny_colpali`); the
encoder loads them with :func:`load_colpali`, and the reference is the transformers model and
processor *reloaded* from the same folder, each item encoded alone (no padding at all), scored
by ``processor.score_retrieval``. embedlab's MaxSim (:mod:`embedlab.scoring.maxsim`) on the
encoder's :class:`MultiVectors` must equal it to 1e-5 relative.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, ModelError
from embedlab.models.encoders.colpali import ColVisionEncoder, load_colpali
from embedlab.models.multivector import MultiVectorEncoder
from embedlab.scoring.maxsim import maxsim_pairs, maxsim_scores
from tests.fixtures.tiny_colpali import EMBED_DIM, save_tiny_colpali, save_tiny_colqwen2
from tests.models._broken_weights import break_folder

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

QUERIES = [
    "which region had the highest sales in 2023?",
    "total",
    "how many students were in the report table of energy and water budget results for 2022?",
]
CLASSES = {"colpali": ("ColPaliForRetrieval", "ColPaliProcessor")}
CLASSES["colqwen2"] = ("ColQwen2ForRetrieval", "ColQwen2Processor")


def page(seed: int, size: tuple[int, int] = (32, 32)) -> Image.Image:
    """A random RGB image of ``size`` (width, height)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("colvision")
    return {
        "colpali": save_tiny_colpali(root / "colpali"),
        "colqwen2": save_tiny_colqwen2(root / "colqwen2"),
    }


@pytest.fixture(scope="module")
def encoders(folders: dict[str, Path]) -> dict[str, ColVisionEncoder]:
    return {family: load_colpali(str(path)) for family, path in folders.items()}


@pytest.fixture(scope="module")
def references(folders: dict[str, Path]) -> dict[str, tuple[Any, Any]]:
    """The transformers model and processor reloaded from each folder, library defaults."""
    loaded = {}
    for family, (model_name, processor_name) in CLASSES.items():
        model = getattr(transformers, model_name).from_pretrained(folders[family]).eval()
        processor = getattr(transformers, processor_name).from_pretrained(folders[family])
        loaded[family] = (model, processor)
    return loaded


def alone(reference: tuple[Any, Any], texts: list[str] = (), images: list[Any] = ()) -> list[Any]:
    """Each item's ``(L, D)`` embeddings from the reference, encoded alone (no padding)."""
    model, processor = reference
    out = []
    for item in list(texts) or list(images):
        batch = (
            processor.process_queries(text=[item]) if texts else processor.process_images([item])
        )
        batch.pop("labels", None)
        with torch.no_grad():
            out.append(model(**batch).embeddings[0])
    return out


@pytest.mark.parametrize("family", ["colpali", "colqwen2"])
def test_maxsim_equals_score_retrieval(
    family: str, encoders: dict[str, ColVisionEncoder], references: dict[str, Any]
) -> None:
    encoder, reference = encoders[family], references[family]
    pages = [page(seed) for seed in range(5)]  # one size: score_retrieval pads nothing
    queries, docs = encoder.encode_texts(QUERIES), encoder.encode_images(pages)
    ours = maxsim_scores(queries, docs, chunk_mb=0.001)  # many small blocks
    expected = reference[1].score_retrieval(
        alone(reference, texts=QUERIES), alone(reference, images=pages)
    )
    assert ours.shape == (3, 5)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-5)
    model, processor = reference  # the library's batched use: padded outputs, its own padding
    batches = [processor.process_queries(text=QUERIES), processor.process_images(pages)]
    with torch.no_grad():
        q_pad, d_pad = (model(**{k: v for k, v in b.items() if k != "labels"}) for b in batches)
    batched = processor.score_retrieval(q_pad.embeddings, d_pad.embeddings).numpy()
    np.testing.assert_allclose(ours, batched, rtol=1e-5)
    assert np.ptp(ours) > 0.1  # the scores really differ between pairs
    pairs = maxsim_pairs(queries, docs, [0, 2, 1], [4, 0, 3])
    np.testing.assert_allclose(pairs, ours[[0, 2, 1], [4, 0, 3]], rtol=1e-6)


def test_colqwen2_pages_of_different_sizes(
    encoders: dict[str, ColVisionEncoder], references: dict[str, Any]
) -> None:
    """Token counts follow the image size; MaxSim equals score_retrieval scoring each pair
    unpadded (batch_size=1)."""
    encoder, reference = encoders["colqwen2"], references["colqwen2"]
    pages = [page(0, (16, 16)), page(1, (32, 32)), page(2, (16, 32))]
    docs = encoder.encode_images(pages)
    assert len(set(docs.counts.tolist())) == 3  # 4, 16 and 8 image tokens plus the prompt
    queries = encoder.encode_texts(QUERIES)
    q_ref, d_ref = alone(reference, texts=QUERIES), alone(reference, images=pages)
    unpadded = reference[1].score_retrieval(q_ref, d_ref, batch_size=1).numpy()
    np.testing.assert_allclose(maxsim_scores(queries, docs), unpadded, rtol=1e-5)


def test_zero_padded_documents_would_inflate_scores(references: dict[str, Any]) -> None:
    """Why padding rows are dropped: score_retrieval pads a batch of documents with zero rows,
    which win the max of a query token whose real similarities are all negative."""
    processor = references["colpali"][1]
    query = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    short, long = torch.tensor([[-1.0, 0.0]]), torch.tensor([[0.0, -1.0], [-0.6, 0.8]])
    padded = processor.score_retrieval([query], [short, long]).numpy()
    exact = processor.score_retrieval([query], [short, long], batch_size=1).numpy()
    ours = maxsim_scores(
        MultiVectors.from_items([query.numpy()]), MultiVectors.from_items([short, long])
    )
    np.testing.assert_allclose(ours, exact, rtol=1e-6)
    np.testing.assert_allclose(exact, [[-1.0 + 0.0, 0.0 + 0.8]], rtol=1e-6)
    assert padded[0, 0] == pytest.approx(0.0 + 0.0)  # the zero row beat -1 and 0


@pytest.mark.parametrize("family", ["colpali", "colqwen2"])
def test_padding_never_included(family: str, encoders: dict[str, ColVisionEncoder]) -> None:
    encoder = encoders[family]
    short = encoder.encode_texts([QUERIES[1]])
    mixed = encoder.encode_texts([QUERIES[2], QUERIES[1], QUERIES[0]])
    assert mixed.counts[1] == short.counts[0] < mixed.counts[0]
    np.testing.assert_allclose(mixed.item(1), short.item(0), atol=2e-5)
    small = encoder.encode_images([page(7, (16, 16))])
    with_big = encoder.encode_images([page(8, (32, 32)), page(7, (16, 16))])
    assert with_big.counts[1] == small.counts[0]
    np.testing.assert_allclose(with_big.item(1), small.item(0), atol=2e-5)


@pytest.mark.parametrize("family", ["colpali", "colqwen2"])
def test_token_counts_are_what_the_mask_says(
    family: str, encoders: dict[str, ColVisionEncoder], references: dict[str, Any]
) -> None:
    encoder, (_, processor) = encoders[family], references[family]
    queries = encoder.encode_texts(QUERIES)
    tokenizer = processor.tokenizer
    prefix = "<bos>Question: " if family == "colpali" else "Query: "
    for i, text in enumerate(QUERIES):  # prompt + 10 augmentation tokens + newline, unpadded
        prompt = f"{prefix}{text}{tokenizer.pad_token * 10}\n"
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        assert queries.counts[i] == len(ids)
        assert ids[-11:-1] == [tokenizer.pad_token_id] * 10
    mask = processor.process_queries(text=QUERIES)["attention_mask"]
    assert queries.counts.tolist() == mask.sum(dim=1).tolist()
    docs = encoder.encode_images([page(0), page(1, (16, 16))])
    if family == "colpali":  # 16 image tokens, then <bos>Describe the image.\n
        tail = len(tokenizer("<bos>Describe the image.\n", add_special_tokens=False)["input_ids"])
        assert docs.counts.tolist() == [16 + tail] * 2
    else:  # <|image_pad|> tokens: 16 for 32x32 px, 4 for 16x16 px (patch 4, merge 2)
        assert docs.counts[0] - docs.counts[1] == 12
    for vectors in (queries, docs):
        assert vectors.tokens.dtype == np.float32 and vectors.dim == EMBED_DIM
        np.testing.assert_allclose(np.linalg.norm(vectors.tokens, axis=1), 1.0, atol=1e-5)


def test_contract_and_empty_batches(encoders: dict[str, ColVisionEncoder]) -> None:
    encoder = encoders["colpali"]
    assert isinstance(encoder, MultiVectorEncoder)
    assert encoder.token_dim == EMBED_DIM and encoder.spec.name.startswith("hf:/")
    for empty in (encoder.encode_texts([]), encoder.encode_images([])):
        assert isinstance(empty, MultiVectors) and empty.n_items == 0 and empty.dim == EMBED_DIM
    grey = Image.new("L", (20, 30), 128)  # not RGB: converted
    assert encoder.encode_images([grey]).n_items == 1


def one_line_refusal(ref: str, error: type[Exception] = ModelError, **kwargs: Any) -> str:
    with pytest.raises(error) as info:
        load_colpali(ref, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message


def test_unsupported_architecture_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    folder.mkdir()
    config = {"model_type": "clip", "architectures": ["CLIPModel"]}
    (folder / "config.json").write_text(json.dumps(config))
    message = one_line_refusal(str(folder))
    assert "'clip' checkpoint (CLIPModel)" in message
    assert "supported: ColPali (model_type colpali" in message and "ColQwen2" in message
    assert len(message) < 400 and "PaliGemmaConfig" not in message
    (folder / "config.json").unlink()
    assert "has no config.json" in one_line_refusal(str(folder))


def test_weights_must_load(folders: dict[str, Path], tmp_path: Path) -> None:
    no_weights = break_folder(folders["colpali"], tmp_path / "none", "no-weights")
    assert "no weights file found in" in one_line_refusal(str(no_weights))
    missing = break_folder(
        folders["colqwen2"], tmp_path / "missing", "missing", "embedding_proj_layer.weight"
    )
    message = one_line_refusal(str(missing))
    assert "did not load all its weights: 1 tensor missing" in message
    assert "embedding_proj_layer.weight" in message


def test_other_refusals(folders: dict[str, Path]) -> None:
    message = one_line_refusal("vidore/colpali-v1.3-hf")  # the suite runs offline
    assert "needs 'vidore/colpali-v1.3-hf' from the Hugging Face Hub" in message
    assert "int8" in one_line_refusal(str(folders["colpali"]), ConfigError, precision="int8")
