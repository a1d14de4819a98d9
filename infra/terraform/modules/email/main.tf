# The shop's e-mail sender: an SES domain identity for the sender's domain, signed with Easy DKIM. A domain
# identity is verified by its DKIM records alone (no mailbox has to click a link), and covers every address of
# the domain; the services' task roles still may only send from the one sender address (modules/service-access).

locals {
  domain = split("@", var.sender)[1]

  # The DKIM records can only be written where the domain's names live.
  dkim_in_zone = anytrue([
    for zone in data.aws_route53_zone.this : local.domain == trimsuffix(zone.name, ".") || endswith(local.domain, ".${trimsuffix(zone.name, ".")}")
  ])

  # Easy DKIM always issues three tokens: <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com.
  dkim_tokens = aws_sesv2_email_identity.domain.dkim_signing_attributes[0].tokens
  dkim_records = [
    for index in range(3) : {
      name  = "${local.dkim_tokens[index]}._domainkey.${local.domain}"
      type  = "CNAME"
      value = "${local.dkim_tokens[index]}.dkim.amazonses.com"
    }
  ]
}

data "aws_route53_zone" "this" {
  count = var.route53_zone_id == null ? 0 : 1

  zone_id = var.route53_zone_id
}

resource "aws_sesv2_email_identity" "domain" {
  email_identity = local.domain

  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }

  tags = var.tags
}

resource "aws_route53_record" "dkim" {
  count = local.dkim_in_zone ? 3 : 0

  zone_id = var.route53_zone_id
  name    = local.dkim_records[count.index].name
  type    = local.dkim_records[count.index].type
  records = [local.dkim_records[count.index].value]
  ttl     = 1800
  # The names derive from the domain's DKIM keys: a re-created identity of the same domain gets new ones, and
  # a leftover record of the same name is stale.
  allow_overwrite = true
}
