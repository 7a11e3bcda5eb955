//! The buyer's pay page, rendered from hostile merchant names, order ids, codes, concepts and
//! URLs, then parsed as a browser parses it: the page has the same elements and attributes as the
//! same page rendered from harmless values (nothing the data says becomes markup), each value
//! reads back as its own text, and only our one script is there.
#![no_main]

use chrono::{DateTime, Duration, TimeZone, Utc};
use cuadre_core::{Currency, Money};
use cuadre_fuzz::{html_text, Input};
use cuadre_pages::{is_web_url, render_pay_page, Lang, PayPageView, PayStatus};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use scraper::{Html, Node, Selector};

fn view(input: &mut Input) -> (PayPageView, Lang) {
    let base = Utc.with_ymd_and_hms(2026, 11, 27, 19, 32, 0).unwrap();
    let flags = input.byte();
    let lang = if flags & 1 == 0 { Lang::Es } else { Lang::En };
    let status = match (flags >> 1) & 3 {
        0 => PayStatus::Pending,
        1 => PayStatus::Paid,
        2 => PayStatus::Expired,
        _ => PayStatus::Cancelled,
    };
    let instant = |input: &mut Input| -> DateTime<Utc> {
        match input.byte() {
            // The first and last instants the readers of times accept (cuadre_core::time::parse).
            0 => Utc.with_ymd_and_hms(0, 1, 1, 5, 0, 0).unwrap(),
            1 => Utc.with_ymd_and_hms(10000, 1, 1, 4, 59, 59).unwrap(),
            _ => base + Duration::seconds(i64::from(input.u32() as i32)),
        }
    };
    let expires_at = instant(input);
    let now = instant(input);
    let cents = input.i64().rem_euclid(1_000_000_000_000_000_000);
    let currency = if flags & 8 == 0 {
        Currency::Pen
    } else {
        Currency::Usd
    };
    let amount = Money::new(Decimal::new(cents, 2), currency)
        .unwrap_or_else(|_| Money::new(Decimal::ONE, currency).expect("1 is an amount"));
    let vouchers_received = u32::from(input.byte() % 4);
    let view = PayPageView {
        merchant_name: input.text(),
        order_id: input.text(),
        cip: input.text(),
        amount,
        expires_at,
        now,
        status,
        cip_url: input.opt_text(),
        upload_url: input.opt_text(),
        vouchers_received,
        concept: input.opt_text(),
    };
    (view, lang)
}

/// The same page from harmless values, with the same choices the renderer makes from the data
/// (a blank concept is left out, only a web URL is a link).
fn harmless(view: &PayPageView) -> PayPageView {
    PayPageView {
        merchant_name: "M".into(),
        order_id: "O".into(),
        cip: "1".into(),
        cip_url: view.cip_url.as_ref().map(|u| {
            if is_web_url(u) {
                "https://x".into()
            } else {
                u.clone()
            }
        }),
        upload_url: view.upload_url.as_ref().map(|_| "/u".into()),
        concept: view.concept.as_ref().map(|c| {
            if c.trim().is_empty() {
                c.clone()
            } else {
                "K".into()
            }
        }),
        ..view.clone()
    }
}

/// Every element with its attribute names, in document order.
fn shape(page: &Html) -> Vec<(String, Vec<String>)> {
    page.tree
        .root()
        .descendants()
        .filter_map(|node| match node.value() {
            Node::Element(e) => Some((
                e.name().to_string(),
                e.attrs().map(|(name, _)| name.to_string()).collect(),
            )),
            _ => None,
        })
        .collect()
}

fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("our selectors parse");
    page.select(&selector).collect()
}

fn text_of(page: &Html, css: &str) -> Option<String> {
    select(page, css).first().map(|e| e.text().collect())
}

fn attr_of(page: &Html, css: &str, name: &str) -> Option<String> {
    select(page, css)
        .first()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

fn scripts(page: &Html) -> Vec<String> {
    select(page, "script")
        .iter()
        .map(|e| e.text().collect())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let (view, lang) = view(&mut input);
    let html = render_pay_page(&view, lang);
    let reference = render_pay_page(&harmless(&view), lang);
    let page = Html::parse_document(&html);
    let expected = Html::parse_document(&reference);

    assert_eq!(
        shape(&page),
        shape(&expected),
        "the data made markup:\n{html}"
    );
    let ours = scripts(&expected);
    assert_eq!(ours.len(), 1, "one script of ours");
    assert_eq!(scripts(&page), ours, "the script is ours alone");
    assert_eq!(
        html.to_ascii_lowercase().matches("</script").count(),
        1,
        "no `</script` but ours"
    );
    assert_eq!(
        html.matches("<!--").count(),
        reference.matches("<!--").count()
    );

    let merchant = html_text(&view.merchant_name);
    assert_eq!(text_of(&page, "#merchant"), Some(merchant.clone()));
    let title = text_of(&page, "title").unwrap_or_default();
    assert!(title.ends_with(&format!(" · {merchant}")), "{title:?}");
    assert_eq!(text_of(&page, "#order-id"), Some(html_text(&view.order_id)));
    assert_eq!(text_of(&page, "#cip"), Some(html_text(&view.cip)));
    if let Some(concept) = text_of(&page, "#concept") {
        assert_eq!(Some(concept), view.concept.as_deref().map(html_text));
    }
    if let Some(url) = attr_of(&page, "#voucher-form", "data-upload-url") {
        assert_eq!(Some(url), view.upload_url.as_deref().map(html_text));
    }
    if let Some(href) = attr_of(&page, "#cip-link", "href") {
        assert_eq!(
            Some(href),
            view.cip_url.as_deref().map(|u| html_text(u.trim()))
        );
    }
    let input_bytes = view.merchant_name.len()
        + view.order_id.len()
        + view.cip.len()
        + view.cip_url.as_ref().map_or(0, String::len)
        + view.upload_url.as_ref().map_or(0, String::len)
        + view.concept.as_ref().map_or(0, String::len);
    assert!(
        html.len() <= reference.len() + 6 * 6 * input_bytes,
        "{} bytes for {input_bytes} bytes of data",
        html.len()
    );
});
