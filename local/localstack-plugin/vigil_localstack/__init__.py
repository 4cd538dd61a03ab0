"""
vigil's LocalStack plugin, for LocalStack community run as a host process or in its container.

- timestream_write: the Timestream write API, served by the moto implementation LocalStack ships.
- no_function_runtime: functions are created and read back, never run (no Docker here).
- run_folder: keeps S3 object storage in the run's folder instead of a fixed /tmp path.
- newer_runtimes: accepts functions on Lambda runtimes newer than the release (nodejs24.x).

It is found without installing anything: put the folder above this one on PYTHONPATH and
LocalStack's plugin loader (plux) reads the entry points from
vigil_localstack-1.0.0.dist-info/entry_points.txt. local/localstack.ts does that for the host
process, docker-compose.yml for the container.
"""
