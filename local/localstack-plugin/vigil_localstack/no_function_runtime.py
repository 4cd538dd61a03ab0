"""
A Lambda runtime executor that runs nothing. LocalStack community runs functions only in Docker,
and its default executor downloads its runtime binary from GitHub when a function is created, so
creating one fails offline. With this executor (LAMBDA_RUNTIME_EXECUTOR=vigil-no-runtime) a
function is created, becomes Active and can be read back, as a deployed stack needs; invoking it
fails with a message saying what drives the handler instead.
"""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

NAME = "vigil-no-runtime"
MESSAGE = (
    f"this LocalStack runs no Lambda functions (LAMBDA_RUNTIME_EXECUTOR={NAME}): "
    "drive the handler with vigil's local poller (local/kinesis-poller.ts), or run LocalStack with Docker "
    "and the default executor"
)


class NoFunctionRuntimeExecutor(RuntimeExecutor):
    def start(self, env_vars):
        raise LambdaRuntimeException(MESSAGE)

    def stop(self):
        pass

    def get_address(self):
        raise LambdaRuntimeException(MESSAGE)

    def get_endpoint_from_executor(self):
        raise LambdaRuntimeException(MESSAGE)

    def get_runtime_endpoint(self):
        raise LambdaRuntimeException(MESSAGE)

    def invoke(self, payload):
        raise LambdaRuntimeException(MESSAGE)

    def get_logs(self):
        return MESSAGE

    @classmethod
    def prepare_version(cls, function_version):
        pass

    @classmethod
    def cleanup_version(cls, function_version):
        pass


class NoFunctionRuntimePlugin(RuntimeExecutorPlugin):
    name = NAME

    def load(self, *args, **kwargs):
        return NoFunctionRuntimeExecutor
