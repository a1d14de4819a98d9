"""A CLIENT span per AWS call, on the emulators' real answers: inside a trace only, with the resource, not the data."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack

import aioboto3
import pytest
from botocore.exceptions import ClientError
from opentelemetry.trace import SpanKind, StatusCode
from shop_devtools.testing.spans import by_name, captured_spans
from shop_shared.aws import open_client, to_item
from shop_shared.observability.tracing import tracer

pytestmark = pytest.mark.integration


async def test_calls_inside_a_trace_get_client_spans_and_calls_outside_get_none(local_aws: object) -> None:
    spans = captured_spans()
    table = f"tracing-{uuid.uuid4().hex[:8]}"
    secret = f"jane-{uuid.uuid4().hex[:6]}@example.com"
    async with AsyncExitStack() as stack:
        dynamodb = await open_client(stack, aioboto3.Session(), "dynamodb")
        await dynamodb.create_table(  # outside a trace: no span
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        try:
            with tracer().start_as_current_span("POST /orders") as request:
                await dynamodb.put_item(TableName=table, Item=to_item({"id": "o-1", "email": secret}))
                with pytest.raises(ClientError):
                    await dynamodb.put_item(
                        TableName=table,
                        Item=to_item({"id": "o-1"}),
                        ConditionExpression="attribute_not_exists(id)",
                    )
        finally:
            await dynamodb.delete_table(TableName=table)

    finished = spans.get_finished_spans()
    assert sorted(span.name for span in finished) == ["DynamoDB.PutItem", "DynamoDB.PutItem", "POST /orders"]
    written, refused = [span for span in finished if span.name == "DynamoDB.PutItem"]
    request_id = request.get_span_context().span_id
    for span in (written, refused):
        attributes = dict(span.attributes or {})
        assert span.kind is SpanKind.CLIENT and span.parent is not None and span.parent.span_id == request_id
        assert attributes["rpc.system"] == "aws-api" and attributes["rpc.method"] == "PutItem"
        assert list(attributes["aws.dynamodb.table_names"]) == [table]  # type: ignore[arg-type]
        assert secret not in repr(attributes)
    assert written.status.status_code is StatusCode.UNSET and dict(written.attributes or {})["aws.request_id"]
    assert refused.status.status_code is StatusCode.ERROR
    assert refused.status.description == "ConditionalCheckFailedException"
    assert by_name(finished, "POST /orders").parent is None
