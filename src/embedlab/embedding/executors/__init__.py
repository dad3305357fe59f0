"""Executors: what computes the missing shards of an embedding cache entry.

``local`` (the default) encodes them in this process; ``ray`` on a Ray cluster (Ray Data + an
actor pool). Both hand back whole shards that the provider writes with the same
``ShardedEmbeddings.write_shard``, so either executor can finish or re-score the other's run.
See :mod:`embedlab.embedding.executors.base`.
"""
