"""
LocalStack's S3 spools object bodies under the fixed path /tmp/localstack-s3-storage, whatever
FILESYSTEM_ROOT or TMPDIR say; every other file of a run is under its FILESYSTEM_ROOT. This hook runs
when LocalStack starts, before the S3 provider is created (lazily, on the first S3 request), and
points that path into the run's temporary folder.
"""

import os

from localstack.runtime import hooks


@hooks.on_infra_start()
def keep_s3_storage_in_run_folder():
    from localstack import config
    from localstack.services.s3 import provider

    provider.DEFAULT_S3_TMP_DIR = os.path.join(config.dirs.tmp, "s3-storage")
