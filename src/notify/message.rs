//! The email: subject from a template, the HTML report with a plain-text alternative, and the
//! JSON report attached.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use pixelaudit_core::config::NotifyPlan;
use pixelaudit_core::report::{to_html, to_json, to_markdown, Report};

/// Builds the message for a report.
pub fn build_message(plan: &NotifyPlan, report: &Report) -> Result<Message, String> {
    let builder = envelope(plan, subject(plan, report)?)?;
    let body = MultiPart::alternative()
        .singlepart(SinglePart::plain(to_markdown(report)))
        .singlepart(SinglePart::html(to_html(report)));
    let json = Attachment::new("report.json".to_string()).body(
        to_json(report),
        ContentType::parse("application/json").expect("valid content type"),
    );
    builder
        .multipart(MultiPart::mixed().multipart(body).singlepart(json))
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// A plain-text notice to the site's recipients (a broken site config, from the scheduler).
pub fn build_notice(plan: &NotifyPlan, subject: &str, text: &str) -> Result<Message, String> {
    envelope(plan, subject.replace(['\r', '\n'], " "))?
        .singlepart(SinglePart::plain(text.to_string()))
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// Sender, recipients and subject.
fn envelope(plan: &NotifyPlan, subject: String) -> Result<lettre::message::MessageBuilder, String> {
    let from: Mailbox = plan
        .from
        .parse()
        .map_err(|e| format!("invalid sender `{}`: {e}", plan.from))?;
    let mut builder = Message::builder().from(from).subject(subject);
    for to in &plan.to {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|e| format!("invalid recipient `{to}`: {e}"))?;
        builder = builder.to(mailbox);
    }
    Ok(builder)
}

fn subject(plan: &NotifyPlan, report: &Report) -> Result<String, String> {
    let s = &report.summary;
    let env = minijinja::Environment::new();
    let status = match (s.errors, &report.partial) {
        (1.., _) => "FAILED",
        (0, Some(_)) => "PARTIAL",
        (0, None) => "OK",
    };
    let (new_findings, lost_events) = report
        .regressions
        .as_ref()
        .map_or((0, 0), |r| (r.new_findings.len(), r.lost_events.len()));
    let rendered = env
        .render_str(
            &plan.subject,
            minijinja::context! {
                site => &report.site,
                status => status,
                errors => s.errors,
                warnings => s.warnings,
                pages => s.pages,
                events => s.events,
                new_findings => new_findings,
                lost_events => lost_events,
            },
        )
        .map_err(|e| format!("invalid subject template: {e}"))?;
    // Header injection: a subject is one line.
    Ok(rendered.replace(['\r', '\n'], " "))
}
