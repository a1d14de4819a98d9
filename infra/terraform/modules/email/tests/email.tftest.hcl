# Plan-only tests of the email module with a mocked AWS provider (no credentials, no network).

mock_provider "aws" {
  mock_data "aws_route53_zone" {
    defaults = {
      name = "shop.example.com"
    }
  }
  # Easy DKIM's three tokens, known at plan here so the records can be checked exactly.
  mock_resource "aws_sesv2_email_identity" {
    override_during = plan
    defaults = {
      arn = "arn:aws:ses:eu-west-1:123456789012:identity/mail.shop.example.com"
      dkim_signing_attributes = {
        current_signing_key_length    = "RSA_2048_BIT"
        domain_signing_private_key    = null
        domain_signing_selector       = null
        last_key_generation_timestamp = "2026-01-01T00:00:00Z"
        next_signing_key_length       = "RSA_2048_BIT"
        signing_attributes_origin     = "AWS_SES"
        status                        = "PENDING"
        tokens                        = ["tokena", "tokenb", "tokenc"]
      }
    }
  }
}

variables {
  sender = "no-reply@mail.shop.example.com"
}

run "the_sender_s_domain_is_an_ses_identity_with_easy_dkim" {
  command = plan

  assert {
    condition     = aws_sesv2_email_identity.domain.email_identity == "mail.shop.example.com" && output.domain == "mail.shop.example.com"
    error_message = "The identity is the sender's domain, not the address (a domain is verified by DNS, an address by a click)."
  }

  assert {
    condition     = aws_sesv2_email_identity.domain.dkim_signing_attributes[0].next_signing_key_length == "RSA_2048_BIT" && aws_sesv2_email_identity.domain.dkim_signing_attributes[0].domain_signing_private_key == null
    error_message = "Easy DKIM (SES holds the key) with 2048-bit keys."
  }

  assert {
    condition = output.dkim_records == [
      { name = "tokena._domainkey.mail.shop.example.com", type = "CNAME", value = "tokena.dkim.amazonses.com" },
      { name = "tokenb._domainkey.mail.shop.example.com", type = "CNAME", value = "tokenb.dkim.amazonses.com" },
      { name = "tokenc._domainkey.mail.shop.example.com", type = "CNAME", value = "tokenc.dkim.amazonses.com" },
    ]
    error_message = "The three DKIM CNAME records are output for the operator."
  }

  assert {
    condition     = length(aws_route53_record.dkim) == 0 && !output.dkim_records_managed
    error_message = "Without a hosted zone no record is created."
  }
}

run "dkim_records_go_into_the_hosted_zone_of_the_domain" {
  command = plan

  variables {
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = output.dkim_records_managed && length(aws_route53_record.dkim) == 3
    error_message = "With the domain's zone given, its three DKIM records are created."
  }

  assert {
    condition = alltrue([
      for index, record in aws_route53_record.dkim :
      record.zone_id == "Z0123456789ABCDEFGHIJ" && record.type == "CNAME" &&
      record.name == output.dkim_records[index].name && record.records == toset([output.dkim_records[index].value])
    ])
    error_message = "Each record is <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com in the zone."
  }
}

run "a_zone_the_domain_is_not_in_gets_no_records" {
  command = plan

  variables {
    sender          = "no-reply@shop.other.example"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = length(aws_route53_record.dkim) == 0 && !output.dkim_records_managed && length(output.dkim_records) == 3
    error_message = "A domain outside the zone gets its records as an output only."
  }
}

run "a_sender_with_a_display_name_is_refused" {
  command = plan

  variables {
    sender = "Shop <no-reply@shop.example.com>"
  }

  expect_failures = [var.sender]
}

run "a_domain_alone_is_not_a_sender" {
  command = plan

  variables {
    sender = "shop.example.com"
  }

  expect_failures = [var.sender]
}
