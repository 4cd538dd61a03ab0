"""
The Timestream write API, which LocalStack community does not serve. LocalStack ships moto (as
moto-ext) with its own implementation of Timestream write; this provider registers the
`timestream-write` service and hands every operation of it to that implementation.
"""

from localstack.services.plugins import Service, aws_provider

SERVICE = "timestream-write"


class TimestreamWriteProvider:
    """Marks the service; every operation is answered by moto (see moto_dispatch_table)."""

    service = SERVICE


def moto_dispatch_table(provider):
    """Every operation of the service's API, dispatched to LocalStack's moto."""
    from localstack.aws.forwarder import dispatch_to_backend
    from localstack.aws.spec import load_service

    def to_moto(context, _request):
        return dispatch_to_backend(context, _moto_timestream_write)

    return {operation: to_moto for operation in load_service(provider.service).operation_names}


def _moto_timestream_write(context):
    """
    LocalStack's generic moto dispatcher routes by moto's URL patterns, and one of Timestream write's
    is empty (werkzeug refuses it): call moto's response class directly, as moto_server would.
    """
    from localstack.aws.api import CommonServiceException
    from localstack.http import Response
    from localstack.http.request import get_full_raw_path, get_raw_current_url
    from moto.core.exceptions import RESTError
    from moto.timestreamwrite.responses import TimestreamWriteResponse

    request = context.request
    url = get_raw_current_url(request.scheme, request.host, request.root_path, get_full_raw_path(request))
    try:
        status, headers, body = TimestreamWriteResponse.dispatch(request, url, request.headers)
    except RESTError as error:
        raise CommonServiceException(error.error_type, error.message, status_code=error.code) from error
    return Response(body or None, status, headers)


@aws_provider(api=SERVICE, name="default")
def timestream_write():
    return Service.for_provider(TimestreamWriteProvider(), dispatch_table_factory=moto_dispatch_table)
