//! The pay page: what the buyer sees when they open their payment link.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use cuadre_core::time::lima;
use cuadre_core::Money;

use crate::escape::{escape_html, is_web_url};
use crate::layout::{document, para};
use crate::script::pay_script;
use crate::text::{self, texts, Texts};
use crate::{Lang, VOUCHER_CONTENT_TYPES};

/// The state of the order's payment code, as the pay page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayStatus {
    /// Waiting for the buyer's cash payment.
    Pending,
    /// The gateway confirmed the payment.
    Paid,
    /// The code expired unpaid.
    Expired,
    /// The merchant (or we) withdrew the code. Not PagoEfectivo's "Cancelado", which means paid.
    Cancelled,
}

/// Everything the pay page shows. Plain data: the caller loads it, the renderer only formats.
#[derive(Debug, Clone, PartialEq)]
pub struct PayPageView {
    pub merchant_name: String,
    pub order_id: String,
    /// The CIP, digits only.
    pub cip: String,
    pub amount: Money,
    pub expires_at: DateTime<Utc>,
    /// The instant the page is built: decides a pending code whose expiry already passed and the
    /// countdown's first value (the browser then counts with its own clock).
    pub now: DateTime<Utc>,
    pub status: PayStatus,
    /// PagoEfectivo's hosted page for the code; shown as a link only when it is an http(s) URL.
    pub cip_url: Option<String>,
    /// The endpoint that answers a presigned upload; `None` = uploads not available.
    pub upload_url: Option<String>,
    pub vouchers_received: u32,
    pub concept: Option<String>,
}

/// What the page shows, after looking at the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// Pending and still payable.
    Open,
    /// Pending in our records but the expiry has passed: no longer payable, but a buyer who paid
    /// in the last minutes may still send the voucher.
    Lapsed,
    Paid,
    Expired,
    Cancelled,
}

impl Shown {
    fn of(view: &PayPageView) -> Shown {
        match view.status {
            PayStatus::Pending if view.now >= view.expires_at => Shown::Lapsed,
            PayStatus::Pending => Shown::Open,
            PayStatus::Paid => Shown::Paid,
            PayStatus::Expired => Shown::Expired,
            PayStatus::Cancelled => Shown::Cancelled,
        }
    }

    fn accepts_vouchers(self) -> bool {
        matches!(self, Shown::Open | Shown::Lapsed | Shown::Paid)
    }
}

/// Renders the complete pay page in `lang`.
pub fn render_pay_page(view: &PayPageView, lang: Lang) -> String {
    let t = texts(lang);
    let shown = Shown::of(view);
    let merchant = escape_html(&view.merchant_name);

    let mut body = String::with_capacity(8 * 1024);
    header(&mut body, view, t);
    status_region(&mut body, view, lang, shown);
    code_card(&mut body, view, lang, t, shown);
    if shown == Shown::Open {
        how_to_pay(&mut body, view, lang, t);
    }
    let upload_url = view
        .upload_url
        .as_deref()
        .filter(|_| shown.accepts_vouchers());
    if let Some(url) = upload_url {
        voucher_section(&mut body, view, lang, t, shown, url);
    }

    let title = format!("{} · {merchant}", t.title_pay);
    document(lang, &title, &body, Some(&pay_script(&t.js)))
}

fn header(out: &mut String, view: &PayPageView, t: &Texts) {
    let _ = write!(
        out,
        "<header class=\"top\">\n<div class=\"row\"><p class=\"muted\">{}</p>\
         <a id=\"lang-switch\" href=\"?lang={code}\" hreflang=\"{code}\" lang=\"{code}\" data-lang=\"{code}\">{}</a></div>\n\
         <h1 id=\"merchant\">{}</h1>\n",
        t.payment_to,
        t.other_lang_name,
        escape_html(&view.merchant_name),
        code = t.other_lang_code,
    );
    if let Some(concept) = view.concept.as_deref().filter(|c| !c.trim().is_empty()) {
        let _ = writeln!(out, "<p id=\"concept\">{}</p>", escape_html(concept));
    }
    let _ = write!(
        out,
        "<p class=\"muted\">{}: <span id=\"order-id\">{}</span></p>\n</header>\n",
        t.order,
        escape_html(&view.order_id)
    );
}

/// The live region that announces the code's state. While the code is open it carries the text to
/// announce when the countdown reaches zero.
fn status_region(out: &mut String, view: &PayPageView, lang: Lang, shown: Shown) {
    let name = &view.merchant_name;
    out.push_str("<div id=\"pay-status\" role=\"status\" aria-live=\"polite\"");
    if shown == Shown::Open {
        let _ = write!(
            out,
            " data-expired-text=\"{}\"",
            escape_html(&text::lapsed_banner(lang, name))
        );
    }
    out.push('>');
    let banner = match shown {
        Shown::Open => None,
        Shown::Lapsed => Some(("bad", text::lapsed_banner(lang, name))),
        Shown::Paid => Some(("ok", texts(lang).paid_banner.to_string())),
        Shown::Expired => Some(("bad", text::expired_banner(lang, name))),
        Shown::Cancelled => Some(("bad", text::cancelled_banner(lang, name))),
    };
    if let Some((class, message)) = banner {
        out.push_str(&para(&format!("banner {class}"), &message));
    }
    out.push_str("</div>\n");
}

fn code_card(out: &mut String, view: &PayPageView, lang: Lang, t: &Texts, shown: Shown) {
    let payable = shown == Shown::Open;
    let _ = write!(
        out,
        "<section class=\"card\" aria-labelledby=\"code-h\">\n<h2 id=\"code-h\">{}</h2>\n",
        if matches!(shown, Shown::Open | Shown::Lapsed) {
            t.code_heading
        } else {
            t.summary_heading
        }
    );
    let cip = escape_html(&view.cip);
    if payable {
        let _ = write!(
            out,
            "<div class=\"row\"><span id=\"cip\" class=\"cip\">{cip}</span>\
             <button type=\"button\" id=\"copy-cip\" class=\"btn2\" hidden>{}</button></div>\n\
             <p id=\"copy-status\" class=\"muted\" role=\"status\" aria-live=\"polite\"></p>\n",
            t.copy
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"muted\">CIP</p><p id=\"cip\" class=\"cip small\">{cip}</p>"
        );
    }
    let _ = write!(
        out,
        "<p class=\"muted\">{}</p>\n<p id=\"amount\" class=\"amount\">{}</p>\n",
        if payable {
            t.amount_label
        } else {
            t.amount_plain
        },
        escape_html(&view.amount.to_string())
    );

    let local = view.expires_at.with_timezone(&lima());
    let date = match lang {
        Lang::Es => local.format("%d/%m/%Y").to_string(),
        Lang::En => local.format("%-d %b %Y").to_string(),
    };
    let time = local.format("%H:%M").to_string();
    let iso = cuadre_core::time::format_lima(view.expires_at);
    match shown {
        Shown::Open | Shown::Lapsed => {
            let sentence = if payable {
                text::expires_on(lang, &escape_html(&date), &escape_html(&time))
            } else {
                text::expired_on(lang, &escape_html(&date), &escape_html(&time))
            };
            let _ = writeln!(
                out,
                "<p id=\"expiry\"><time datetime=\"{}\">{sentence}</time></p>",
                escape_html(&iso)
            );
            let initial = if payable {
                countdown_text(view.expires_at, view.now)
            } else {
                t.js.expired.to_string()
            };
            let _ = writeln!(
                out,
                "<p id=\"countdown-row\">{} <span id=\"countdown\" role=\"timer\" data-expires-at=\"{}\">{}</span></p>",
                t.remaining,
                view.expires_at.timestamp_millis(),
                escape_html(&initial)
            );
        }
        // An expiry still ahead (the code was expired early on the gateway) is not worth showing.
        Shown::Expired if view.expires_at <= view.now => {
            let sentence = text::expired_on(lang, &escape_html(&date), &escape_html(&time));
            let _ = writeln!(
                out,
                "<p id=\"expiry\"><time datetime=\"{}\">{sentence}</time></p>",
                escape_html(&iso)
            );
        }
        Shown::Expired | Shown::Paid | Shown::Cancelled => {}
    }

    if payable {
        if let Some(url) = view.cip_url.as_deref().filter(|u| is_web_url(u)) {
            let _ = writeln!(
                out,
                "<p><a id=\"cip-link\" class=\"btn btn2\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{} \
                 <span class=\"muted\">{}</span></a></p>",
                escape_html(url.trim()),
                t.cip_link,
                t.new_tab
            );
        }
    }
    let voucher_form_shown = view.upload_url.is_some() && shown.accepts_vouchers();
    if view.vouchers_received > 0 && !voucher_form_shown {
        out.push_str(&para(
            "muted",
            &text::vouchers_received(lang, view.vouchers_received),
        ));
    }
    out.push_str("</section>\n");
}

fn how_to_pay(out: &mut String, view: &PayPageView, lang: Lang, t: &Texts) {
    let _ = write!(
        out,
        "<section class=\"card\" id=\"how-to-pay\" aria-labelledby=\"how-h\">\n<h2 id=\"how-h\">{}</h2>\n\
         <h3>{}</h3>\n<p>{}</p>\n<h3>{}</h3>\n<p>{}</p>\n<h3>{}</h3>\n<p>{}</p>\n\
         <p class=\"note\">{} {}</p>\n</section>\n",
        t.how_heading,
        t.agents_heading,
        t.agents_body,
        t.apps_heading,
        t.apps_body,
        t.counter_heading,
        t.counter_body,
        text::exact_amount(lang, &escape_html(&view.amount.to_string())),
        t.keep_voucher,
    );
}

fn voucher_section(
    out: &mut String,
    view: &PayPageView,
    lang: Lang,
    t: &Texts,
    shown: Shown,
    upload_url: &str,
) {
    let heading = if shown == Shown::Paid {
        t.voucher_heading_optional
    } else {
        t.voucher_heading
    };
    let _ = write!(
        out,
        "<section class=\"card\" id=\"voucher\" aria-labelledby=\"voucher-h\">\n<h2 id=\"voucher-h\">{heading}</h2>\n<p>{}</p>\n",
        t.voucher_intro
    );
    if view.vouchers_received > 0 {
        out.push_str(&para(
            "muted",
            &text::vouchers_received(lang, view.vouchers_received),
        ));
    }
    let _ = write!(
        out,
        "<form id=\"voucher-form\" data-upload-url=\"{}\" novalidate>\n\
         <label for=\"voucher-file\">{}</label>\n\
         <input type=\"file\" id=\"voucher-file\" name=\"file\" accept=\"{}\" aria-describedby=\"voucher-help\">\n\
         <p id=\"voucher-help\" class=\"muted\">{}</p>\n\
         <progress id=\"upload-progress\" max=\"100\" value=\"0\" aria-label=\"{}\" hidden></progress>\n\
         <button type=\"submit\" id=\"voucher-submit\">{}</button>\n\
         <p id=\"upload-status\" role=\"status\" aria-live=\"polite\"></p>\n\
         </form>\n<noscript><p>{}</p></noscript>\n</section>\n",
        escape_html(upload_url),
        t.voucher_label,
        VOUCHER_CONTENT_TYPES.join(","),
        t.voucher_help,
        t.progress_label,
        t.voucher_submit,
        t.noscript_upload,
    );
}

/// `1 d 02:03:04` or `02:03:04`: the same format the script keeps updating.
fn countdown_text(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let total = (expires_at - now).num_seconds().max(0);
    let (days, rest) = (total / 86_400, total % 86_400);
    let clock = format!(
        "{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if days > 0 {
        format!("{days} d {clock}")
    } else {
        clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use cuadre_core::Currency;

    fn view() -> PayPageView {
        // 27/11/2026 14:32 in Lima is 19:32 UTC.
        let expires_at = Utc.with_ymd_and_hms(2026, 11, 27, 19, 32, 0).unwrap();
        PayPageView {
            merchant_name: "Bodega Ñaña".to_string(),
            order_id: "A-1001".to_string(),
            cip: "2523136".to_string(),
            amount: Money::parse("1250", Currency::Pen).unwrap(),
            expires_at,
            now: expires_at - Duration::seconds(93_784), // 1 d 02:03:04 left
            status: PayStatus::Pending,
            cip_url: Some("https://pre1a.payment.pagoefectivo.pe/3f2a.html".to_string()),
            upload_url: Some("/v1/pay/tok_abc/vouchers".to_string()),
            vouchers_received: 0,
            concept: Some("Pedido de útiles escolares".to_string()),
        }
    }

    fn with(f: impl FnOnce(&mut PayPageView)) -> PayPageView {
        let mut v = view();
        f(&mut v);
        v
    }

    /// The opening tag of the element with this id.
    fn tag_with_id<'a>(page: &'a str, id: &str) -> &'a str {
        let needle = format!("id=\"{id}\"");
        let at = page
            .find(&needle)
            .unwrap_or_else(|| panic!("no #{id} in page"));
        let start = page[..at].rfind('<').unwrap();
        let end = at + page[at..].find('>').unwrap();
        &page[start..=end]
    }

    /// The text right after the opening tag of `#id`, up to the next tag.
    fn text_of<'a>(page: &'a str, id: &str) -> &'a str {
        let tag = tag_with_id(page, id);
        let start = page.find(tag).unwrap() + tag.len();
        let len = page[start..].find('<').unwrap();
        &page[start..start + len]
    }

    #[test]
    fn merchant_name_concept_and_order_are_escaped() {
        let page = render_pay_page(
            &with(|v| {
                v.merchant_name = "<script>alert('x')</script>".to_string();
                v.concept = Some("\"><img src=x onerror=alert(1)>".to_string());
                v.order_id = "A&B<1>".to_string();
                v.cip = "123<b>".to_string();
            }),
            Lang::Es,
        );
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(!page.contains("<img"));
        assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("A&amp;B&lt;1&gt;"));
        assert!(!page.contains("123<b>"));
        // The expiry message for the script sits in an attribute: escaped there too.
        let region = tag_with_id(&page, "pay-status");
        assert!(region.contains("&lt;script&gt;"), "{region}");
        assert_eq!(page.matches("<script>").count(), 1, "only our own script");
    }

    #[test]
    fn unsafe_urls_are_not_links() {
        let page = render_pay_page(
            &with(|v| {
                v.cip_url = Some("javascript:alert(1)".to_string());
                v.upload_url = Some("/up\" onclick=\"x".to_string());
            }),
            Lang::Es,
        );
        assert!(!page.contains("javascript:alert"));
        assert!(!page.contains("id=\"cip-link\""));
        assert!(tag_with_id(&page, "voucher-form")
            .contains("data-upload-url=\"/up&quot; onclick=&quot;x\""));
    }

    #[test]
    fn shows_cip_amount_expiry_and_countdown() {
        let v = view();
        let page = render_pay_page(&v, Lang::Es);
        assert_eq!(text_of(&page, "cip"), "2523136");
        assert_eq!(text_of(&page, "amount"), "S/ 1,250.00");
        let countdown = tag_with_id(&page, "countdown");
        assert!(countdown.contains(&format!(
            "data-expires-at=\"{}\"",
            v.expires_at.timestamp_millis()
        )));
        assert!(countdown.contains("data-expires-at=\"1795807920000\""));
        assert_eq!(text_of(&page, "countdown"), "1 d 02:03:04");
        assert!(page.contains("vence el 27/11/2026 a las 14:32 (hora de Lima)"));
        assert!(page.contains("datetime=\"2026-11-27T14:32:00-05:00\""));
        assert!(page.contains("id=\"copy-cip\""));
        assert!(page.contains("href=\"https://pre1a.payment.pagoefectivo.pe/3f2a.html\""));
        assert!(page.contains("rel=\"noopener noreferrer\""));
        assert!(page.contains("Pedido de útiles escolares"));
        assert!(page.contains("A-1001"));
    }

    #[test]
    fn dollar_amounts() {
        let page = render_pay_page(
            &with(|v| v.amount = Money::parse("45", Currency::Usd).unwrap()),
            Lang::En,
        );
        assert_eq!(text_of(&page, "amount"), "US$ 45.00");
        assert!(page.contains("<strong>US$ 45.00</strong>"));
    }

    #[test]
    fn where_to_pay_lists_agents_apps_and_exact_amount() {
        let page = render_pay_page(&view(), Lang::Es);
        for name in [
            "BCP",
            "BBVA",
            "Interbank",
            "Scotiabank",
            "Kasnet",
            "Western Union",
            "Tambo+",
            "«PagoEfectivo»",
            "ventanilla",
            "El monto debe ser exacto: <strong>S/ 1,250.00</strong>",
        ] {
            assert!(page.contains(name), "{name}");
        }
    }

    #[test]
    fn spanish_and_english() {
        let es = render_pay_page(&view(), Lang::Es);
        let en = render_pay_page(&view(), Lang::En);
        assert!(es.contains("<html lang=\"es\">"));
        assert!(en.contains("<html lang=\"en\">"));
        assert!(es.contains("Dónde y cómo pagar"));
        assert!(en.contains("Where and how to pay"));
        assert!(en.contains("expires on 27 Nov 2026 at 14:32 (Lima time)"));
        assert!(es.contains("Recibimos tu comprobante"));
        assert!(en.contains("We received your voucher"));
        assert!(es.contains("El archivo pesa más de 10 MB"));
        assert!(en.contains("The file is larger than 10 MB"));
        assert!(!en.contains("Dónde"));
        assert!(!es.contains("Where and how"));
        assert!(tag_with_id(&es, "lang-switch").contains("?lang=en"));
        assert!(tag_with_id(&en, "lang-switch").contains("?lang=es"));
    }

    #[test]
    fn upload_form_elements_and_script_paths() {
        let page = render_pay_page(&view(), Lang::Es);
        assert!(tag_with_id(&page, "voucher-form")
            .contains("data-upload-url=\"/v1/pay/tok_abc/vouchers\""));
        let input = tag_with_id(&page, "voucher-file");
        assert!(input.contains("type=\"file\""));
        assert!(input.contains("accept=\"image/jpeg,image/png,application/pdf\""));
        assert!(page.contains("<label for=\"voucher-file\">"));
        assert!(tag_with_id(&page, "voucher-submit").contains("type=\"submit\""));
        assert!(tag_with_id(&page, "upload-progress").starts_with("<progress"));
        assert!(tag_with_id(&page, "upload-status").contains("aria-live=\"polite\""));
        assert!(tag_with_id(&page, "pay-status").contains("aria-live=\"polite\""));
        // Step 1: ask for a presigned upload.
        assert!(page.contains(
            "JSON.stringify({content_type:ct,content_length:file.size,checksum_sha256:sum})"
        ));
        assert!(page.contains("digest('SHA-256'"));
        // Step 2, presigned PUT: the file is the body, with the returned headers.
        assert!(page.contains("m==='PUT'"));
        assert!(page.contains("x.setRequestHeader(k,h[k])"));
        // Step 2, presigned POST: the fields first, the file last as `file`.
        assert!(page.contains("m==='POST'"));
        assert!(page.contains("body=new FormData()"));
        assert!(page.contains("body.append('file',blob"));
        assert!(page.contains("upload.onprogress"));
        assert!(page.contains("j.detail"));
        assert!(page.contains("},10485760);"));
    }

    #[test]
    fn no_upload_form_without_upload_url() {
        let page = render_pay_page(&with(|v| v.upload_url = None), Lang::Es);
        assert!(!page.contains("id=\"voucher-form\""));
        assert!(!page.contains("id=\"voucher-file\""));
        assert!(page.contains("id=\"cip\""));
    }

    #[test]
    fn expired_and_cancelled_cannot_be_paid_and_take_no_vouchers() {
        for (status, es_words) in [
            (PayStatus::Expired, "venció y ya no se puede pagar"),
            (PayStatus::Cancelled, "fue anulado y ya no se puede pagar"),
        ] {
            let page = render_pay_page(&with(|v| v.status = status), Lang::Es);
            assert!(page.contains(es_words), "{status:?}");
            assert!(page.contains("Contacta a Bodega Ñaña"), "{status:?}");
            for absent in [
                "id=\"voucher-form\"",
                "id=\"voucher-file\"",
                "id=\"voucher-submit\"",
                "id=\"how-to-pay\"",
                "id=\"cip-link\"",
                "id=\"copy-cip\"",
                "id=\"countdown\"",
            ] {
                assert!(!page.contains(absent), "{status:?} {absent}");
            }
            assert_eq!(text_of(&page, "amount"), "S/ 1,250.00");
            assert!(!page.contains("cancelado"), "PagoEfectivo's word for paid");
        }
        let past = with(|v| {
            v.status = PayStatus::Expired;
            v.now = v.expires_at + Duration::hours(1);
        });
        let es = render_pay_page(&past, Lang::Es);
        assert!(es.contains("Venció el 27/11/2026 a las 14:32 (hora de Lima)"));
        let early = render_pay_page(&with(|v| v.status = PayStatus::Expired), Lang::Es);
        assert!(!early.contains("Venció el"), "no expiry date still ahead");
        let en = render_pay_page(&past, Lang::En);
        assert!(en.contains("It expired on 27 Nov 2026 at 14:32 (Lima time)"));
        assert!(en.contains("can no longer be paid"));
        assert!(en.contains("Contact Bodega Ñaña"));
    }

    #[test]
    fn paid_shows_received_and_may_take_a_voucher() {
        let page = render_pay_page(
            &with(|v| {
                v.status = PayStatus::Paid;
                v.vouchers_received = 2;
            }),
            Lang::Es,
        );
        assert!(page.contains("Pago recibido"));
        assert!(page.contains("banner ok"));
        assert!(!page.contains("id=\"how-to-pay\""));
        assert!(!page.contains("id=\"countdown\""));
        assert!(page.contains("id=\"voucher-form\""));
        assert!(page.contains("(opcional)"));
        assert!(page.contains("Ya recibimos 2 comprobantes"));
        let no_upload = render_pay_page(
            &with(|v| {
                v.status = PayStatus::Paid;
                v.upload_url = None;
                v.vouchers_received = 1;
            }),
            Lang::En,
        );
        assert!(no_upload.contains("Payment received"));
        assert!(!no_upload.contains("id=\"voucher-form\""));
        assert!(no_upload.contains("already received 1 voucher for"));
    }

    #[test]
    fn pending_past_expiry_is_not_payable_but_takes_a_late_voucher() {
        let v = with(|v| v.now = v.expires_at + Duration::minutes(3));
        let page = render_pay_page(&v, Lang::Es);
        assert!(page.contains("venció y ya no se puede pagar"));
        assert!(!page.contains("id=\"how-to-pay\""));
        assert!(!page.contains("id=\"cip-link\""));
        assert_eq!(text_of(&page, "countdown"), "vencido");
        assert!(page.contains("Venció el 27/11/2026 a las 14:32 (hora de Lima)"));
        assert!(!page.contains("Este código vence el"));
        assert!(page.contains("id=\"voucher-form\""));
        assert!(!tag_with_id(&page, "pay-status").contains("data-expired-text"));
        // Exactly at expiry counts as expired.
        let at = render_pay_page(&with(|v| v.now = v.expires_at), Lang::Es);
        assert_eq!(text_of(&at, "countdown"), "vencido");
    }

    #[test]
    fn open_page_carries_the_message_for_when_the_countdown_ends() {
        let page = render_pay_page(&view(), Lang::En);
        let region = tag_with_id(&page, "pay-status");
        assert!(region.contains("data-expired-text=\"The time to pay this code has run out"));
        assert!(page.contains("expired:\"expired\""));
    }

    #[test]
    fn countdown_format() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(countdown_text(t, t - Duration::seconds(59)), "00:00:59");
        assert_eq!(countdown_text(t, t - Duration::hours(23)), "23:00:00");
        assert_eq!(
            countdown_text(t, t - Duration::days(3) - Duration::seconds(1)),
            "3 d 00:00:01"
        );
        assert_eq!(countdown_text(t, t + Duration::hours(1)), "00:00:00");
    }

    #[test]
    fn empty_concept_is_left_out() {
        let page = render_pay_page(&with(|v| v.concept = Some("  ".to_string())), Lang::Es);
        assert!(!page.contains("id=\"concept\""));
        let page = render_pay_page(&with(|v| v.concept = None), Lang::Es);
        assert!(!page.contains("id=\"concept\""));
    }

    #[test]
    fn every_variant_is_small_and_self_contained() {
        let long = "Ñ".repeat(200);
        for status in [
            PayStatus::Pending,
            PayStatus::Paid,
            PayStatus::Expired,
            PayStatus::Cancelled,
        ] {
            for lang in [Lang::Es, Lang::En] {
                let page = render_pay_page(
                    &with(|v| {
                        v.status = status;
                        v.merchant_name = long.clone();
                        v.concept = Some(long.clone());
                        v.vouchers_received = 3;
                    }),
                    lang,
                );
                assert!(
                    page.len() < 20 * 1024,
                    "{status:?} {lang:?}: {} bytes",
                    page.len()
                );
                assert!(!page.contains("<link"));
                assert!(!page.contains(" src="));
            }
        }
    }
}
