//! Amazon SES through its HTTPS API (SES API v2, `SendEmail` with simple content): SES builds
//! the MIME message from a UTF-8 subject and text body, so umlauts need no encoding here.
//!
//! Like the DynamoDB store, the client is built without `aws-config` (which doubles compile
//! time and binary size): region, credentials and endpoint come from the standard environment
//! variables that Lambda sets. The function's role needs `ses:SendEmail` on the sender
//! identity (see `deploy/template.yaml`).

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageHeader};
use base64::Engine as _;
use lettre::message::Mailbox;

use super::{MailError, MailSender, ascii_domain};
use crate::domain::model::OutgoingMail;

/// Where SES is and how to reach it.
#[derive(Clone)]
pub struct SesConfig {
    pub region: String,
    /// `None` for AWS itself (`https://email.REGION.amazonaws.com`); e.g.
    /// `http://127.0.0.1:5000` for a local mock.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesConfig")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl SesConfig {
    /// For a local SES mock at `endpoint` with dummy credentials.
    pub fn local(endpoint: &str) -> Self {
        Self {
            region: "eu-central-1".to_owned(),
            endpoint: Some(endpoint.to_owned()),
            access_key_id: "local".to_owned(),
            secret_access_key: "local".to_owned(),
            session_token: None,
        }
    }
}

/// Sends through the Amazon SES API v2.
#[derive(Debug, Clone)]
pub struct SesSender {
    client: Client,
}

impl SesSender {
    /// A sender for `config` (does not touch the network).
    pub fn new(config: &SesConfig) -> Self {
        let credentials = Credentials::new(
            config.access_key_id.clone(),
            config.secret_access_key.clone(),
            config.session_token.clone(),
            None,
            "environment",
        );
        let mut builder = aws_sdk_sesv2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .credentials_provider(credentials);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self {
            client: Client::from_conf(builder.build()),
        }
    }
}

#[async_trait]
impl MailSender for SesSender {
    async fn send(&self, from: &str, mail: &OutgoingMail) -> Result<(), MailError> {
        let from = from_header(from)?;
        let to = recipient(&mail.to)?;
        let utf8 = |text: &str| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .map_err(|e| MailError::Message(e.to_string()))
        };
        let mut body = Body::builder().text(utf8(&mail.body)?);
        if let Some(html) = &mail.html {
            body = body.html(utf8(html)?);
        }
        let mut message = Message::builder()
            .subject(utf8(&mail.subject)?)
            .body(body.build());
        // SES adds these to the MIME message it builds (List-Unsubscribe of newsletters).
        for header in &mail.headers {
            message = message.headers(
                MessageHeader::builder()
                    .name(&header.name)
                    .value(&header.value)
                    .build()
                    .map_err(|e| MailError::Message(e.to_string()))?,
            );
        }
        let message = message.build();
        self.client
            .send_email()
            .from_email_address(from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map(|_| ())
            .map_err(send_error)
    }
}

/// The sender as SES wants it: `Name <address>`, a non-ASCII name as an RFC 2047 encoded word.
fn from_header(from: &str) -> Result<String, MailError> {
    let mailbox: Mailbox = from
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Message(format!("sender: {e}")))?;
    let address = ascii_domain(mailbox.email.as_ref());
    match mailbox.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() && !name.is_ascii() => Ok(format!(
            "=?UTF-8?B?{}?= <{address}>",
            base64::engine::general_purpose::STANDARD.encode(name)
        )),
        Some(name) if !name.is_empty() => {
            Ok(Mailbox::new(Some(name.to_owned()), parse_address(&address)?).to_string())
        }
        _ => Ok(address),
    }
}

/// The recipient's address with its domain in punycode; SES refuses non-ASCII local parts.
fn recipient(to: &str) -> Result<String, MailError> {
    let address = ascii_domain(to);
    parse_address(&address)?;
    if !address.is_ascii() {
        return Err(MailError::Message(
            "SES accepts only ASCII before the @".to_owned(),
        ));
    }
    Ok(address)
}

fn parse_address(address: &str) -> Result<lettre::Address, MailError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Message(e.to_string()))
}

/// Refusals of this message (its content or addresses) become [`MailError::Message`];
/// everything else (network, throttling, credentials, a paused account) is
/// [`MailError::Transport`]. Addresses in SES's text are replaced, so that the log stays
/// free of personal data.
fn send_error(e: SdkError<SendEmailError>) -> MailError {
    let text = redact_addresses(&DisplayErrorContext(&e).to_string());
    match e.as_service_error() {
        Some(
            SendEmailError::MessageRejected(_)
            | SendEmailError::BadRequestException(_)
            | SendEmailError::MailFromDomainNotVerifiedException(_),
        ) => MailError::Message(format!(
            "SES refused the message ({}): {text}",
            e.code().unwrap_or("unknown")
        )),
        _ => MailError::Transport(format!("SES: {text}")),
    }
}

/// `text` with every word that contains an `@` replaced by `<address>`.
fn redact_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_names_are_encoded_for_ses() {
        assert_eq!(
            from_header("Cloud-Service-Portal <noreply@portal.example>").ok(),
            Some("Cloud-Service-Portal <noreply@portal.example>".to_owned())
        );
        assert_eq!(
            from_header("Portal Bärstadt <noreply@portal.example>").ok(),
            Some("=?UTF-8?B?UG9ydGFsIELDpHJzdGFkdA==?= <noreply@portal.example>".to_owned())
        );
        assert_eq!(
            from_header("noreply@portal.example").ok(),
            Some("noreply@portal.example".to_owned())
        );
        assert!(matches!(
            from_header("kein Absender"),
            Err(MailError::Message(_))
        ));
    }

    #[test]
    fn recipients_get_punycode_domains_and_ascii_local_parts() {
        assert_eq!(
            recipient("anna@amt-bärstadt.de").ok(),
            Some("anna@xn--amt-brstadt-p8a.de".to_owned())
        );
        assert!(matches!(
            recipient("jürgen@amt.de"),
            Err(MailError::Message(_))
        ));
        assert!(matches!(
            recipient("no-at-sign"),
            Err(MailError::Message(_))
        ));
    }

    #[test]
    fn addresses_are_removed_from_error_texts() {
        assert_eq!(
            redact_addresses("Email address is not verified: anna@amt.de, bob@amt.de."),
            "Email address is not verified: <address> <address>"
        );
    }

    #[test]
    fn credentials_are_not_debug_printed() {
        let config = SesConfig::local("http://127.0.0.1:1");
        assert!(!format!("{config:?}").contains("local\""));
    }
}
