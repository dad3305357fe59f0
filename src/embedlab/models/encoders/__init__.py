"""Encoder implementations the model sources build, and the preprocessing parts they use.

- :mod:`~embedlab.models.encoders.transformers_dual`: transformers image–text dual encoders
  (CLIP, MetaCLIP, SigLIP, SigLIP 2), used by the ``hf``, ``builtin`` and ``arch`` sources;
- :mod:`~embedlab.models.encoders.open_clip_dual`: open_clip models (``open_clip`` source);
- :mod:`~embedlab.models.encoders.sentence_transformers`: a ``SentenceTransformer`` with one
  prompt per role (``st`` and ``preset`` sources);
- :mod:`~embedlab.models.encoders.hash_tokenizer`: the offline stand-in tokenizer of ``arch``;
- :mod:`~embedlab.models.encoders.mllm`: multimodal-LLM embedders (template → backbone →
  pooling; ``mllm`` source), with ``mllm_arch`` (their ``arch:`` builds) and ``mllm_memory``
  (the out-of-memory estimate before loading);
- :mod:`~embedlab.models.encoders.colpali`: ColPali / ColQwen2 multi-vector encoders
  (``load_colpali``; not yet behind a model source) and ``colvision_checkpoint`` (which
  checkpoints they are).
"""
