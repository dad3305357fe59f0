"""Model sources behind one :class:`~embedlab.models.base.Encoder` interface.

- :mod:`~embedlab.models.base`: the contracts (``Encoder``, ``ModelSpec``, ``ModelSource`` and
  the defaults of its optional members, ``SourceDefaults``);
- :mod:`~embedlab.models.registry`: ``MODEL_SOURCES``, ``parse_model``, ``get_source``;
- :mod:`embedlab.models.sources`: one module per ``--model`` prefix, each registering itself;
- :mod:`embedlab.models.encoders`: encoder implementations kept apart from their source;
- :mod:`~embedlab.models.exportable`: what an encoder exposes so a runtime can export its towers;
- :mod:`~embedlab.models.prepared_encode`: ``encode_*`` as ``forward_prepared(prepare_*)``;
- shared helpers: fingerprints, loading errors, pooling, Matryoshka truncation, text settings
  and weights, presets, provenance.

This layer never imports the runtimes, which sit above it.
"""
