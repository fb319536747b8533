"""Running: one run of a parameter set — one model (:mod:`.runner`, the only place a model is
run) or a city partitioned by district (:mod:`.city`) — and where runs execute (in this
process, on local workers or a Dask cluster: :mod:`.executors`), their progress and memory.
Above the model's core; below sweeps, analyses and the faces."""
