"""
Lambda runtimes newer than this LocalStack release: LocalStack 4.9.2 refuses to create a function on
nodejs24.x (the runtime vigil's stack deploys the scoring function on), as it lists only the
runtimes it can run in Docker. Functions are never run here (no_function_runtime), so the hook adds
the newer runtime to the lists CreateFunction checks, in place, when LocalStack starts.
"""

from localstack.runtime import hooks

NEWER_RUNTIMES = {"nodejs24.x": "nodejs:24"}


@hooks.on_infra_start()
def accept_newer_runtimes():
    from localstack.services.lambda_ import runtimes

    for runtime, image in NEWER_RUNTIMES.items():
        if runtime not in runtimes.ALL_RUNTIMES:
            runtimes.ALL_RUNTIMES.append(runtime)
            runtimes.SUPPORTED_RUNTIMES.append(runtime)
        runtimes.IMAGE_MAPPING.setdefault(runtime, image)
