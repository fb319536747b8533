"""Analysis: what is learnt from runs and sweeps — statistics, the policy comparison report
(a list of sections), sensitivity analysis, calibration, validation, the warm-up, the
regression baselines and the Python API's figures. Above sweeps; below the faces."""
