//! The pay page's inline script: copy button, countdown, language link, voucher upload.
//!
//! Plain ES5 (old Android browsers are common among buyers), no dependencies. It reads data only
//! from `data-*` attributes (HTML-escaped by the server) and messages from the object `M`, built
//! from our static texts with `js_string`. It writes data only through `textContent`.
//! The upload sends the file's SHA-256 (Web Crypto) when asking for the link: the vouchers bucket
//! keeps objects under Object Lock, so S3 wants a checksum on every upload, and a signed checksum
//! also binds the link to exactly this file.

use crate::escape::js_string;
use crate::text::JsTexts;
use crate::MAX_VOUCHER_BYTES;

/// The body of `(function(M,MAX){…})`.
const BODY: &str = r#"var d=document;function $(i){return d.getElementById(i)}
var ls=$('lang-switch');if(ls&&window.URL){try{var u=new URL(location.href);u.searchParams.set('lang',ls.getAttribute('data-lang'));ls.href=u.href}catch(e){}}
var cip=$('cip'),cb=$('copy-cip'),cs=$('copy-status');
if(cip&&cb&&cs){cb.hidden=false;cb.onclick=function(){var t=cip.textContent.replace(/\s+/g,'');
function done(ok){cs.textContent=ok?M.copied:M.copyFailed}
function legacy(){var ok=false;try{var r=d.createRange();r.selectNodeContents(cip);var s=window.getSelection();s.removeAllRanges();s.addRange(r);ok=d.execCommand('copy')}catch(e){}done(ok)}
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(function(){done(true)},legacy)}else{legacy()}}}
var cd=$('countdown');
if(cd){var end=parseInt(cd.getAttribute('data-expires-at'),10),timer=0;
function two(n){return(n<10?'0':'')+n}
function lapse(){var ps=$('pay-status'),txt=ps&&ps.getAttribute('data-expired-text');
if(txt){ps.removeAttribute('data-expired-text');var p=d.createElement('p');p.className='banner bad';p.textContent=txt;ps.innerHTML='';ps.appendChild(p)}
var ids=['how-to-pay','cip-link','copy-cip'];for(var i=0;i<ids.length;i++){var el=$(ids[i]);if(el)el.hidden=true}}
function tick(){var ms=end-Date.now();
if(!(ms>0)){cd.textContent=M.expired;if(timer)clearInterval(timer);timer=0;lapse();return false}
var s=Math.floor(ms/1000),dd=Math.floor(s/86400);s=s%86400;
cd.textContent=(dd?dd+' d ':'')+two(Math.floor(s/3600))+':'+two(Math.floor(s%3600/60))+':'+two(s%60);return true}
if(tick())timer=setInterval(tick,1000)}
var f=$('voucher-form');
if(f){var inp=$('voucher-file'),btn=$('voucher-submit'),bar=$('upload-progress'),st=$('upload-status');
var TYPES={'image/jpeg':1,'image/png':1,'application/pdf':1},EXT={jpg:'image/jpeg',jpeg:'image/jpeg',png:'image/png',pdf:'application/pdf'};
function say(t,k){st.textContent=t;st.className=k||''}
function busy(b){btn.disabled=b;inp.disabled=b}
function fail(t){busy(false);bar.hidden=true;say(t,'err')}
function typeOf(file){if(file.type)return file.type;var m=/\.([a-z0-9]+)$/i.exec(file.name||'');return(m&&EXT[m[1].toLowerCase()])||''}
function check(file){if(!file)return M.noFile;if(!TYPES[typeOf(file)])return M.wrongType;if(file.size>MAX)return M.tooLarge;if(!file.size)return M.empty;return ''}
function detail(x){try{if((x.getResponseHeader('Content-Type')||'').indexOf('json')<0)return '';var j=JSON.parse(x.responseText);return(j&&typeof j.detail==='string')?j.detail:''}catch(e){return ''}}
function bad(x){var t=detail(x);if(t)return M.failedDetail+t;if(x.status===413||/EntityTooLarge/.test(x.responseText||''))return M.tooLarge;if(x.status===415)return M.wrongType;return M.failed}
function own(o,k){return Object.prototype.hasOwnProperty.call(o,k)}
var FORBIDDEN=/^(content-length|host|connection)$/i;
inp.onchange=function(){var file=inp.files&&inp.files[0];if(!file){say('');return}var err=check(file);if(err)say(err,'err');else say('')};
f.onsubmit=function(e){e.preventDefault();var file=inp.files&&inp.files[0],err=check(file);
if(err){fail(err);inp.focus();return false}
var ct=typeOf(file);busy(true);bar.hidden=true;say(M.preparing);
digest(file,function(sum){if(!sum){fail(M.failed);return}ask(file,ct,sum)});return false};
function b64(buf){var b=new Uint8Array(buf),s='';for(var i=0;i<b.length;i++)s+=String.fromCharCode(b[i]);return btoa(s)}
function digest(file,cb){var c=window.crypto&&window.crypto.subtle;if(!c||!window.FileReader){cb('');return}
var r=new FileReader();r.onload=function(){c.digest('SHA-256',r.result).then(function(h){cb(b64(h))},function(){cb('')})};r.onerror=function(){cb('')};r.readAsArrayBuffer(file)}
function ask(file,ct,sum){var x=new XMLHttpRequest();
x.open('POST',f.getAttribute('data-upload-url'));x.setRequestHeader('Content-Type','application/json');x.setRequestHeader('Accept','application/json, application/problem+json');x.timeout=30000;
x.onload=function(){if(x.status<200||x.status>299){fail(bad(x));return}var t=null;try{t=JSON.parse(x.responseText)}catch(e){}
if(!t||typeof t.url!=='string'||!t.url){fail(M.failed);return}send(t,file,ct)};
x.onerror=x.ontimeout=function(){fail(M.network)};
x.send(JSON.stringify({content_type:ct,content_length:file.size,checksum_sha256:sum}))}
function send(t,file,ct){var m=String(t.method||'PUT').toUpperCase(),x=new XMLHttpRequest(),body,k;
var blob=file.type===ct?file:file.slice(0,file.size,ct);
try{x.open(m,t.url);
if(m==='POST'){body=new FormData();var fl=t.fields||{};for(k in fl)if(own(fl,k))body.append(k,fl[k]);body.append('file',blob,file.name||'voucher')}
else if(m==='PUT'){var h=t.headers||{};for(k in h)if(own(h,k)&&!FORBIDDEN.test(k)){try{x.setRequestHeader(k,h[k])}catch(e){}}body=blob}
else{fail(M.failed);return}}catch(e){fail(M.failed);return}
bar.value=0;bar.hidden=false;say(M.uploading);
if(x.upload)x.upload.onprogress=function(ev){if(ev.lengthComputable&&ev.total)bar.value=Math.round(ev.loaded*100/ev.total)};
x.onload=function(){if(x.status>=200&&x.status<300){busy(false);bar.hidden=true;f.reset();say(M.success,'ok')}else{fail(bad(x))}};
x.onerror=x.onabort=function(){fail(M.network)};
x.send(body)}}"#;

/// The complete script for a page in one language.
pub(crate) fn pay_script(messages: &JsTexts) -> String {
    let mut out = String::with_capacity(BODY.len() + 1500);
    // No 'use strict': ES5 engines reject function declarations inside blocks in strict mode.
    out.push_str("(function(M,MAX){\n");
    out.push_str(BODY);
    out.push_str("\n})({");
    for (i, (key, value)) in messages.pairs().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        out.push(':');
        out.push_str(&js_string(value));
    }
    out.push_str("},");
    out.push_str(&MAX_VOUCHER_BYTES.to_string());
    out.push_str(");");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::texts;
    use crate::Lang;

    #[test]
    fn script_never_contains_a_closing_tag() {
        for lang in [Lang::Es, Lang::En] {
            let s = pay_script(&texts(lang).js);
            assert!(!s.to_ascii_lowercase().contains("</script"));
            assert!(!s.contains("<!--"));
            assert!(s.contains("},10485760);"));
        }
    }
}
