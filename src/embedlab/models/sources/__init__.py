"""The model sources, one module per ``--model`` prefix; each module registers its source.

``hf`` (transformers image–text dual encoders), ``open_clip``, ``st`` (sentence-transformers),
``hf-text`` (transformers text models with an explicit pooling), ``mllm`` (multimodal-LLM
embedders on Qwen-VL backbones, per the card's recipe), ``preset`` (named text-model
configurations), ``builtin`` (models shipped with embedlab), ``arch`` (random weights in a known
architecture, speed only) and ``fake`` (deterministic, framework-free, for tests).
:data:`~embedlab.models.registry.MODEL_SOURCES` imports every public module of this package on
its first lookup, so a new source is one new module here. Importing a source module imports no
deep-learning framework.
"""
