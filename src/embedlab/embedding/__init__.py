"""Embeddings of whole item lists: the contract tasks receive, its implementation, and a stub.

``contract`` declares :class:`~embedlab.embedding.contract.Embedder` (what every task sees);
``provider`` implements it over a model (cache → lazy load on the chosen runtime → batches with
image prefetch → checks); ``stub`` is :class:`~embedlab.embedding.stub.StubEmbedder`, a
handler-driven implementation for tests. This layer sits above models, runtimes, data and
results, and below tasks, which import only the contract.
"""
