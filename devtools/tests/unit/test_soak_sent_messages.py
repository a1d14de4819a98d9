"""sources.sent_messages reads LocalStack's records of what SES and SNS sent (the shapes of LocalStack 4.x)."""

import httpx
from shop_devtools.soak.invariants import SentMessage
from shop_devtools.soak.sources import sent_messages

SES = {
    "messages": [
        {
            "Id": "m1",
            "Region": "us-east-1",
            "Destination": {"ToAddresses": ["soak-1@example.com"]},
            "Source": "shop@example.com",
            "Subject": "Your order #abc is confirmed",
            "Body": {"text_part": "Shop: thanks for your order #abc!", "html_part": None},
        }
    ]
}
SMS = {
    "sms_messages": {
        "+15550000000": [
            {"PhoneNumber": "+15550000000", "MessageId": "s1", "Message": "Shop: thanks for your order #def!"},
            {"PhoneNumber": "+15550000000", "MessageId": "s2", "Message": "Shop: order #ghi: payment failed, ..."},
        ]
    },
    "region": "us-east-1",
}


def test_e_mails_and_sms_become_one_sent_message_each() -> None:
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=SES if request.url.path == "/_aws/ses" else SMS)

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        sent = sent_messages(client, "http://127.0.0.1:4566", "us-east-1")
    assert sent == [
        SentMessage("soak-1@example.com", "Shop: thanks for your order #abc!"),
        SentMessage("+15550000000", "Shop: thanks for your order #def!"),
        SentMessage("+15550000000", "Shop: order #ghi: payment failed, ..."),
    ]
    assert [str(url) for url in seen] == [
        "http://127.0.0.1:4566/_aws/ses",
        "http://127.0.0.1:4566/_aws/sns/sms-messages?region=us-east-1",
    ]
