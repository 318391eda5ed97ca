"""``tickets.mail.parse``: conformance over the shared real-world emails (read in place, as bytes) and our own
hand-written fixtures for threading, quote stripping, HTML sanitising, kinds, charsets and the ticket token."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.samples import SAMPLES as SAMPLES_ROOT
from tickets.mail.parse import (
    KIND_AUTO_REPLY,
    KIND_BOUNCE,
    KIND_MESSAGE,
    KIND_READ_RECEIPT,
    ParsedEmail,
    decode_bytes,
    html_to_text,
    parse_email,
    sanitize_html,
    subject_with_token,
    ticket_token_in,
    visible_text_of,
)

SAMPLES = SAMPLES_ROOT / "email"


# -- conformance: the shared samples -------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    kind: str
    subject: str  # exactly as decoded; "" only where the file has no Subject header
    phrase: str  # in the decoded text ("" where the only content is an attachment)


NYAAN = "ニャーン"
JP_NEWSLETTER = "☆第132号\u3000「ガーデン&エクステリア」専門店のためのＱ&Ａサロン\u3000【月刊エクステリア・ワーク】"
BIG5_SUBJECT = "4d8119\u3000(大補泡麵專賣) 大家說英語 每日聽MP3 (2004年6月份) 繁體中文光碟版 (英語教學)\u30008afb90"

EXPECTED = {
    "attachment_japanese_encoded_filename_mailgem.eml": Expect(KIND_MESSAGE, "testing", "testing"),
    "attachment_pdf_mailgem.eml": Expect(KIND_MESSAGE, "Another PDF with 🎉 Unicode chars in it 🍿",
                                         "Just attaching another PDF"),
    "autoreply_outlook_automatic_reply_sisimai.eml": Expect(KIND_AUTO_REPLY, "Automatic reply: Nyaan",
                                                            "out of the office Friday"),
    "autoreply_precedence_bulk_multipart_sisimai.eml": Expect(KIND_AUTO_REPLY, "AutoRespons :Nyaan?",
                                                              "is no longer in use"),
    "autoreply_rfc3834_away_sisimai.eml": Expect(KIND_AUTO_REPLY, "Away until May 5", "currently away"),
    "big5_label_mojibake_empty_cte_mailgem.eml": Expect(KIND_MESSAGE, BIG5_SUBJECT, "軟體帝國更新迅速"),
    "bounce_aol_mailbox_full_flanker.eml": Expect(KIND_BOUNCE, "Undelivered Mail Returned to Sender",
                                                  "user MAILBOX FULL"),
    "bounce_exchange_labelled_gb2312_actually_gbk_phpmimemailparser.eml": Expect(
        KIND_BOUNCE, "", "次の受信者またはグループへの配信に失敗しました"),
    "bounce_ezweb_japanese_iso2022jp_sisimai.eml": Expect(KIND_BOUNCE, "Mail System Error - Returned Mail",
                                                          "rejected by a remote mail server"),
    "bounce_gmail_plaintext_sisimai.eml": Expect(KIND_BOUNCE, "Delivery Status Notification (Failure)",
                                                 "failed permanently"),
    "bounce_multipart_report_422_mailgem.eml": Expect(KIND_BOUNCE, "Warning: could not send message for past 8 hours",
                                                      "THIS IS A WARNING MESSAGE ONLY"),
    "bounce_office365_iso2022jp_subject_sisimai.eml": Expect(KIND_BOUNCE, f"Undeliverable: {NYAAN}",
                                                             "rejected your message"),
    "bounce_postfix_dsn_multipart_report_sisimai.eml": Expect(KIND_BOUNCE, "Undelivered Mail Returned to Sender",
                                                              "could not\nbe delivered"),
    "bounce_sendmail_rfc3464_sisimai.eml": Expect(KIND_BOUNCE, "Returned mail: see transcript for details",
                                                  "Not enough disk space"),
    "chinese_gb2312_label_but_utf8_body_mailparser.eml": Expect(KIND_MESSAGE, "代开各地增值税发票", "增值税发票"),
    "forward_multipart_alternative_in_reply_to_mailgem.eml": Expect(
        KIND_MESSAGE, "Sending messages include last little bit", "strip the last little bit"),
    "iphone_image_attachment_flanker.eml": Expect(KIND_MESSAGE, "Subject", "~Danielle"),
    "iso2022jp_subject_and_attachment_filename_phpimap.eml": Expect(KIND_MESSAGE, JP_NEWSLETTER, ""),
    "japanese_iso2022jp_body_mailgem.eml": Expect(KIND_MESSAGE, "まみむめも", "すみません。"),
    "japanese_shift_jis_mailgem.eml": Expect(KIND_MESSAGE, "test", "このメールはテスト用のメールです。"),
    "multipart_alternative_html_with_attachment_outlook_mobile_mailparser.eml": Expect(
        KIND_MESSAGE, "Hi there", "I am sending you the bills of the goods"),
    "multipart_alternative_two_plain_parts_qp_long_links_flanker.eml": Expect(
        KIND_MESSAGE, "This message contains very long links in html", "extremely long links"),
    "read_receipt_mdn_flanker.eml": Expect(KIND_READ_RECEIPT, "Disposition notification", "has been displayed"),
    # A person's reply through a mailing list: "Precedence: bulk" with an owner- Sender is not an auto-reply.
    "reply_quoted_raw8bit_from_header_flanker.eml": Expect(
        KIND_MESSAGE, "Re: running server as root (Was: Re: PUT method)", "Isn't that the case"),
}


def _raw_sample(name: str) -> bytes:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared email samples not found at {SAMPLES}: they live beside the project, not in it")
    return (SAMPLES / name).read_bytes()


def _sample(name: str) -> ParsedEmail:
    return parse_email(_raw_sample(name))


def test_every_sample_has_an_expectation():
    if not SAMPLES.is_dir():
        pytest.skip(f"shared email samples not found at {SAMPLES}: they live beside the project, not in it")
    assert sorted(p.name for p in SAMPLES.iterdir() if p.is_file()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_conformance(name):
    expected = EXPECTED[name]
    parsed = _sample(name)

    assert parsed.kind == expected.kind
    assert parsed.subject == expected.subject
    assert parsed.text.strip() or parsed.attachments
    assert expected.phrase in parsed.text
    for value in (parsed.subject, parsed.text, parsed.visible_text, parsed.from_name,
                  *(a.filename for a in parsed.attachments)):
        assert "\ufffd" not in value
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in value)
    assert parsed.visible_text.strip() or not parsed.text.strip()
    assert parsed.date is None or parsed.date.tzinfo is not None


def test_sample_without_subject_really_has_none():
    raw = _raw_sample("bounce_exchange_labelled_gb2312_actually_gbk_phpmimemailparser.eml")
    assert b"\nsubject:" not in raw.lower()


@pytest.mark.parametrize(("name", "recipients", "original_message_id"), [
    ("bounce_aol_mailbox_full_flanker.eml", ("user@aol.com",), "4E326A95.3010907@example.com"),
    ("bounce_gmail_plaintext_sisimai.eml", ("userunknown@example.jp",),
     "D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com"),
    ("bounce_ezweb_japanese_iso2022jp_sisimai.eml", ("this-message-rejected-by-the-domain-filter@ezweb.ne.jp",),
     "20080907124011.12ABCD8@lsean.ezweb.ne.jp"),
    ("bounce_office365_iso2022jp_subject_sisimai.eml", ("otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp",),
     "SLXP216MB0381A8F03A83505296890D11A9950@SLXP216MB0381.KORP216.PROD.OUTLOOK.COM"),
    # The address we sent to (Original-Recipient), not the local alias it expanded to; the returned message is empty.
    ("bounce_postfix_dsn_multipart_report_sisimai.eml", ("kijitora@example.org",), ""),
    ("bounce_sendmail_rfc3464_sisimai.eml", ("userunknown@bouncehammer.jp",),
     "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org"),
    # A delay warning ("Action: delayed"): nothing has failed yet.
    ("bounce_multipart_report_422_mailgem.eml", (),
     "15655788.13.1200472642578.JavaMail.Administrator@mail.ttttt.com.au"),
    ("bounce_exchange_labelled_gb2312_actually_gbk_phpmimemailparser.eml", (), ""),
    ("read_receipt_mdn_flanker.eml", (), "199509192301.23456@example.org"),
])
def test_sample_bounce_and_receipt_details(name, recipients, original_message_id):
    parsed = _sample(name)
    assert parsed.bounce_recipients == recipients
    assert parsed.original_message_id == original_message_id


def test_sample_japanese_filenames_decode():
    rfc2047_utf8 = _sample("attachment_japanese_encoded_filename_mailgem.eml")
    assert [(a.filename, a.content_type, a.inline) for a in rfc2047_utf8.attachments] == [
        ("てすと.txt", "text/plain", False)]
    assert rfc2047_utf8.attachments[0].content.decode() == "this is a test\nこれわてすと"
    assert rfc2047_utf8.attachments[0].size == len(rfc2047_utf8.attachments[0].content)

    iso2022jp = _sample("iso2022jp_subject_and_attachment_filename_phpimap.eml")
    assert [(a.filename, a.content, a.size) for a in iso2022jp.attachments] == [(JP_NEWSLETTER, b"Hi!", 3)]
    assert iso2022jp.text == ""


def test_sample_other_attachments():
    pdf = _sample("attachment_pdf_mailgem.eml")
    assert [(a.filename, a.content_type, a.inline) for a in pdf.attachments] == [
        ("broken.pdf", "application/pdf", False)]
    assert pdf.attachments[0].content.startswith(b"%PDF-1.4")

    iphone = _sample("iphone_image_attachment_flanker.eml")
    assert [(a.filename, a.content_type, a.inline) for a in iphone.attachments] == [
        ("photo.JPG", "image/jpeg", True)]
    assert iphone.attachments[0].content.startswith(b"\xff\xd8")
    assert iphone.text == "Hello\n\n~Danielle"

    # A named text part is a file, not more body text.
    outlook = _sample("multipart_alternative_html_with_attachment_outlook_mobile_mailparser.eml")
    assert [(a.filename, a.content_type, a.inline) for a in outlook.attachments] == [
        ("message.txt", "text/plain", True)]
    assert "WatchGuard" not in outlook.text
    assert outlook.html == (
        '<p dir="auto">I am sending you the bills of the goods we delivered to you in the attachment</p>')


def test_sample_charset_repairs():
    chinese = _sample("chinese_gb2312_label_but_utf8_body_mailparser.eml")
    assert chinese.from_name == "张先生"
    assert chinese.text.startswith("你好！我公司可代开各类增值税发票")
    assert chinese.to_addresses == ("danglüe@email.com",)  # raw UTF-8 bytes in the To header

    big5 = _sample("big5_label_mojibake_empty_cte_mailgem.eml")
    assert "Yahoo! 工具列 - 內置防止彈出視窗工能！" in big5.text
    assert "軟體帝國更新迅速" in big5.html

    shift_jis = _sample("japanese_shift_jis_mailgem.eml")
    assert shift_jis.text == "あいうえお\n\nこのメールはテスト用のメールです。\n\n今後ともよろしくお願い申し上げます！"

    office365 = _sample("bounce_office365_iso2022jp_subject_sisimai.eml")
    assert office365.headers_of_interest["thread-topic"] == NYAAN

    # Raw Latin-1 byte in a From header of a us-ascii message.
    quoted = _sample("reply_quoted_raw8bit_from_header_flanker.eml")
    assert (quoted.from_name, quoted.from_address) == ("Ingo Lütkebohle", "ingo@blank.pages.de")


def test_sample_threading_and_visible_text():
    quoted = _sample("reply_quoted_raw8bit_from_header_flanker.eml")
    assert quoted.references == ("Pine.BSF.3.95q.970712135859.28530B-100000@valis.worldgate.com",)
    assert quoted.message_id == "33C7E4E1.2A12445E@blank.pages.de"
    assert quoted.visible_text.startswith("Isn't that the case for almost every other server")
    assert "buffer overflow" not in quoted.visible_text
    assert "Marc Slemko wrote" not in quoted.visible_text

    forward = _sample("forward_multipart_alternative_in_reply_to_mailgem.eml")
    assert forward.in_reply_to == "8fc5086d0912020131y377ba0ccpf8f14783cfc3014a@test.com"
    assert forward.references == ("8fc5086d0912020131y377ba0ccpf8f14783cfc3014a@test.com",)

    signed = _sample("attachment_japanese_encoded_filename_mailgem.eml")
    assert signed.visible_text == "testing"

    gmail = _sample("bounce_gmail_plaintext_sisimai.eml")
    assert "DKIM-Signature" in gmail.text
    assert "DKIM-Signature" not in gmail.visible_text


def test_sample_two_plain_alternatives_one_of_them_html():
    parsed = _sample("multipart_alternative_two_plain_parts_qp_long_links_flanker.eml")
    assert parsed.text.startswith("Hello Bob,\n\nPlease note")
    assert "<div" not in parsed.text
    assert '<a href="https://mailgun.com/signup?plan=priority' in parsed.html
    assert 'rel="noopener noreferrer"' in parsed.html


def test_sample_dates_keep_their_offset():
    receipt = _sample("read_receipt_mdn_flanker.eml")  # "Wed, 20 Sep 1995 00:19:00 (EDT) -0400"
    assert receipt.date == dt.datetime(1995, 9, 20, 0, 19, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert _sample("japanese_iso2022jp_body_mailgem.eml").date is None


def test_sample_auto_submitted_and_headers_of_interest():
    aol = _sample("bounce_aol_mailbox_full_flanker.eml")
    assert aol.auto_submitted == "auto-replied"
    outlook = _sample("autoreply_outlook_automatic_reply_sisimai.eml")
    assert outlook.auto_submitted == ""
    assert outlook.headers_of_interest["x-auto-response-suppress"] == "All"


# -- own fixtures --------------------------------------------------------------------------------------------

def _email(body: str = "Hello", *, html: str | None = None, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Jane Customer <Jane@Example.com>")
    msg["To"] = headers.pop("To", "support@shop.test")
    msg["Subject"] = headers.pop("Subject", "My order")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def test_threading_headers():
    raw = _email(Message_ID="<reply-2@example.com>", In_Reply_To="<out-1@shop.test> (the desk's reply)",
                 Date="Mon, 01 Jan 2024 10:00:00 +0100", Cc="Other <Other@Example.com>, x@example.org",
                 Reply_To="Jane <jane.home@example.com>")
    folded = b"References: <first@example.com>\r\n <out-1@shop.test>\r\n\t<out-1@shop.test>\r\nSubject:"
    parsed = parse_email(raw.replace(b"Subject:", folded, 1))
    assert parsed.message_id == "reply-2@example.com"
    assert parsed.in_reply_to == "out-1@shop.test"
    assert parsed.references == ("first@example.com", "out-1@shop.test")
    assert (parsed.from_name, parsed.from_address) == ("Jane Customer", "jane@example.com")
    assert parsed.to_addresses == ("support@shop.test",)
    assert parsed.cc_addresses == ("other@example.com", "x@example.org")
    assert parsed.reply_to == "jane.home@example.com"
    assert parsed.date == dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)


def test_missing_ids_and_dates_are_empty():
    parsed = parse_email(b"From: a@example.com\r\nSubject: hi\r\nDate: someday\r\n\r\nbody\r\n")
    assert (parsed.message_id, parsed.in_reply_to, parsed.references, parsed.date) == ("", "", (), None)
    no_zone = parse_email(b"From: a@example.com\r\nDate: Thu, 29 Apr 2005 23:34:45 -0000\r\n\r\nbody\r\n")
    assert no_zone.date == dt.datetime(2005, 4, 29, 23, 34, 45, tzinfo=dt.UTC)


NEW = "Thanks, the item arrived broken.\n\n"
QUOTED = [
    ("en", NEW + "On Mon, 1 Jan 2024 at 10:00, Shop <support@shop.test> wrote:\n> Hello, how can we help?"),
    ("en wrapped", NEW + "On Mon, 1 Jan 2024 at 10:00, Shop Support <support@shop.test>\n"
                         "wrote:\n\n> Hello, how can we help?"),
    ("en unquoted history", NEW + "On Mon, 1 Jan 2024, Shop wrote:\n\nHello, how can we help?"),
    ("zh", NEW + "在 2024年1月1日 10:00，客服 <support@shop.test> 写道：\n> 您好，how can we help?"),
    ("zh qq", NEW + "------------------ 原始邮件 ------------------\n发件人: 客服\n"
                    "发送时间: 2024年1月1日\n收件人: 我\n主题: 订单\n\nHello, how can we help?"),
    ("es", NEW + "El lun, 1 ene 2024 a las 10:00, Tienda (<support@shop.test>) escribió:\n> Hola, how can we help?"),
    ("es outlook", NEW + "-----Mensaje original-----\nDe: Tienda\nEnviado el: lunes\n"
                         "Para: yo\nAsunto: pedido\n\nHola, how can we help?"),
    ("de", NEW + "Am 01.01.2024 um 10:00 schrieb Shop <support@shop.test>:\n> Hallo, how can we help?"),
    ("de outlook", NEW + "-----Ursprüngliche Nachricht-----\nVon: Shop\nGesendet: Montag\n"
                         "An: ich\nBetreff: Bestellung\n\nHallo, how can we help?"),
    ("fr", NEW + "Le lun. 1 janv. 2024 à 10:00, Boutique <support@shop.test> a écrit\u00a0:\n"
                 "> Bonjour, how can we help?"),
    ("fr outlook", NEW + "-------- Message d'origine --------\nDe : Boutique\nDate : lundi\n"
                         "À : moi\nObjet : commande\n\nBonjour, how can we help?"),
    ("outlook block", NEW + "________________________________\nFrom: Shop <support@shop.test>\n"
                            "Sent: Monday, January 1, 2024 10:00 AM\nTo: Jane <jane@example.com>\n"
                            "Subject: Your order\n\nHello, how can we help?"),
    ("outlook original message", NEW.strip() + "\n-----Original Message-----\nFrom: Shop\nSent: Monday\n"
                                               "To: Jane\nSubject: Your order\n\nHello, how can we help?"),
    ("signature", NEW + "-- \nJane Customer\nhow can we help? +1 555 0100"),
    ("iphone", NEW + "Sent from my iPhone\n\n> how can we help?"),
    ("iphone de", NEW + "Von meinem iPhone gesendet\n\n> how can we help?"),
    ("iphone zh", NEW + "发自我的iPhone\n\n------------------ 原始邮件 ------------------\nhow can we help?"),
    ("outlook mobile", NEW + "Get Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\n"
                             "From: Shop\nSent: Monday\nTo: Jane\nSubject: x\n\nhow can we help?"),
]


@pytest.mark.parametrize(("case", "text"), QUOTED, ids=[case for case, _text in QUOTED])
def test_visible_text_strips_history_and_signatures(case, text):
    parsed = parse_email(_email(text))
    assert parsed.visible_text == "Thanks, the item arrived broken."
    assert "how can we help?" in parsed.text


def test_visible_text_keeps_an_interleaved_answer():
    text = "Shop wrote:\n> Which size did you order?\n\nSize M.\n\n> And the colour?\n\nBlue."
    assert visible_text_of(text) == "Size M.\n\nBlue."


def test_visible_text_keeps_forwarded_content():
    outlook_forward = ("Please see below.\n\n________________________________\nFrom: Shop <s@shop.test>\n"
                       "Sent: Monday\nTo: me\nSubject: Order 1234\n\nYour order 1234 has shipped.")
    assert visible_text_of(outlook_forward, subject="Fwd: Order 1234") == outlook_forward
    gmail_forward = ("FYI\n-- \nJane\n\n---------- Forwarded message ---------\nFrom: Shop <s@shop.test>\n"
                     "Date: Mon\nSubject: Order\nTo: me\n\n> a quote inside\nYour order has shipped.")
    visible = visible_text_of(gmail_forward)
    assert visible.startswith("FYI\n---------- Forwarded message ---------")
    assert visible.endswith("> a quote inside\nYour order has shipped.")


def test_visible_text_is_never_empty_when_the_text_is_not():
    only_history = "On Mon, 1 Jan 2024, Shop wrote:\n> Hello"
    assert visible_text_of(only_history) == only_history
    assert visible_text_of("-- \nJane") == "--\nJane"
    assert visible_text_of("") == ""


def test_html_is_sanitised():
    html = ('<html><head><title>T</title><style>p{color:red}</style></head><body>'
            '<p onclick="steal()" style="color:red">Hi <b>there</b><script>alert(1)</script></p>'
            '<a href="javascript:alert(1)">js</a> <a href="https://shop.test/o/1" onmouseover="x()">order</a>'
            '<img src="https://tracker.test/open.gif" onerror="x()" alt="pixel"><img src="cid:logo@shop.test">'
            '<img src="//tracker.test/p.gif"><iframe src="https://evil.test"></iframe>'
            '<blockquote>On Monday, Shop wrote: old</blockquote></body></html>')
    parsed = parse_email(_email("Hi there", html=html))
    assert parsed.html == (
        '<p>Hi <b>there</b></p><a rel="noopener noreferrer">js</a> '
        '<a href="https://shop.test/o/1" rel="noopener noreferrer">order</a>'
        '<img alt="pixel"><img src="cid:logo@shop.test"><img>'
        "<blockquote>On Monday, Shop wrote: old</blockquote>")
    for unsafe in ("script", "alert", "onclick", "onerror", "onmouseover", "style", "javascript:", "tracker", "iframe"):
        assert unsafe not in parsed.html
    assert parsed.text == "Hi there"


def test_sanitise_html_directly():
    assert sanitize_html("") == ""
    assert sanitize_html('<a href="mailto:help@shop.test">mail</a>') == (
        '<a href="mailto:help@shop.test" rel="noopener noreferrer">mail</a>')
    assert sanitize_html('<a href="data:text/html,<script>x</script>">d</a>') == '<a rel="noopener noreferrer">d</a>'
    inline_image = '<img src="data:image/png;base64,iVBORw0KGgo=">'
    assert sanitize_html(inline_image) == inline_image


def test_html_only_mail_gets_text():
    raw = (b"From: a@example.com\r\nSubject: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><head><style>p{}</style><script>var x;</script></head><body><p>Hello&nbsp;<b>shop</b></p>"
           b"<div>Line two</div><blockquote>quoted old text</blockquote></body></html>")
    parsed = parse_email(raw)
    assert parsed.text == "Hello shop\n\nLine two\n> quoted old text"
    assert parsed.visible_text == "Hello shop\n\nLine two"


def test_html_to_text_keeps_structure():
    html = ("<p>a &lt;b&gt; &amp; c</p><table><tr><td>1</td><td>2</td></tr></table>x<br>y"
            "<blockquote>q<blockquote>qq</blockquote></blockquote><script>no()</script>")
    assert html_to_text(html) == "a <b> & c\n\n1 2\nx\ny\n> q\n> > qq"


def test_html_nested_beyond_any_real_mail_is_not_sanitised():
    bomb = "<div>x" * 5000  # html5ever takes quadratic time in this depth
    parsed = parse_email(b"Subject: bomb\r\nContent-Type: text/html\r\n\r\n" + bomb.encode())
    assert parsed.html == ""
    assert parsed.text.startswith("x x x")


KINDS = [
    ({"Auto_Submitted": "auto-replied"}, "Your order", KIND_AUTO_REPLY),
    ({"Auto_Submitted": "auto-generated"}, "Your order", KIND_AUTO_REPLY),
    ({"Auto_Submitted": "no"}, "Your order", KIND_MESSAGE),
    ({"X_Autoreply": "yes"}, "Your order", KIND_AUTO_REPLY),
    ({"X_Autorespond": "Out of office"}, "Your order", KIND_AUTO_REPLY),
    ({"Precedence": "bulk"}, "Your order", KIND_AUTO_REPLY),
    ({"Precedence": "junk"}, "Your order", KIND_AUTO_REPLY),
    ({"Precedence": "auto_reply"}, "Your order", KIND_AUTO_REPLY),
    ({"Precedence": "bulk", "List_Id": "<customers.shop.test>"}, "Your order", KIND_MESSAGE),
    ({"Precedence": "list"}, "Your order", KIND_MESSAGE),
    ({"X_Auto_Response_Suppress": "All"}, "Automatic reply: Your order", KIND_AUTO_REPLY),
    ({}, "Auto reply: Your order", KIND_AUTO_REPLY),
    ({}, "Out of Office: Your order", KIND_AUTO_REPLY),
    ({}, "Abwesenheitsnotiz: Ihre Bestellung", KIND_AUTO_REPLY),
    ({}, "Réponse automatique : votre commande", KIND_AUTO_REPLY),
    ({}, "Respuesta automática: su pedido", KIND_AUTO_REPLY),
    ({}, "自动回复：您的订单", KIND_AUTO_REPLY),
    ({}, "Re: Automatic reply: Your order", KIND_MESSAGE),
    ({}, "Undelivered parcel, order 1234", KIND_MESSAGE),
    ({}, "Delivery failure for my order", KIND_MESSAGE),
    ({}, "Read: my complaint", KIND_MESSAGE),
    ({}, "Undeliverable: Your order", KIND_BOUNCE),
    ({}, "Mail delivery failed: returning message to sender", KIND_BOUNCE),
    ({}, "Returned mail: User unknown", KIND_BOUNCE),
    ({"From": "Mail Delivery System <MAILER-DAEMON@mx.example.com>"}, "Failure", KIND_BOUNCE),
    ({"Auto_Submitted": "auto-replied", "X_Failed_Recipients": "gone@example.com"}, "Failure", KIND_BOUNCE),
    ({"Disposition": "manual-action/MDN-sent-manually; displayed", "Original_Message_ID": "<out-1@shop.test>"},
     "Read: Your order", KIND_READ_RECEIPT),
]


@pytest.mark.parametrize(("headers", "subject", "kind"), KINDS)
def test_kind(headers, subject, kind):
    assert parse_email(_email("Body", Subject=subject, **headers)).kind == kind


def test_bounce_without_report_uses_failed_recipients_header():
    parsed = parse_email(_email("The message was not delivered.", X_Failed_Recipients="Gone@Example.com",
                                From="MAILER-DAEMON@mx.example.com", Subject="Mail delivery failed"))
    assert parsed.bounce_recipients == ("gone@example.com",)


def test_read_receipt_from_headers_finds_the_original():
    parsed = parse_email(_email("Your message was read.", Subject="Read: Your order",
                                Disposition="manual-action/MDN-sent-manually; displayed",
                                Original_Message_ID="<out-1@shop.test>"))
    assert parsed.original_message_id == "out-1@shop.test"


def test_own_marker_header_is_of_interest():
    parsed = parse_email(_email("x", X_Aftersales_Ticket="T-ACD3467"))
    assert parsed.headers_of_interest["x-aftersales-ticket"] == "T-ACD3467"


@pytest.mark.parametrize(("data", "charset", "text"), [
    ("镕喆".encode("gbk"), "gb2312", "镕喆"),  # GBK-only characters in a GB2312 label
    ("你好".encode(), "GB2312", "你好"),  # UTF-8 in a GB2312 label
    ("Crème brûlée".encode(), "gb2312", "Crème brûlée"),  # UTF-8 Latin text is not taken for Big5/GBK mojibake
    ("香港醃".encode("big5hkscs"), "big5", "香港醃"),  # HKSCS character in a Big5 label
    ("大家說英語".encode("big5").decode("latin-1").encode(), "big5", "大家說英語"),  # Big5 -> Latin-1 -> UTF-8
    ("①㈱髙".encode("cp932"), "shift_jis", "①㈱髙"),  # NEC and IBM extensions (CP932)
    (b"\x1b$B-!-j\x1b(B", "iso-2022-jp", "①㈱"),  # NEC row 13 in ISO-2022-JP (no Python ISO-2022 codec has it)
    ("すみません".encode("iso2022_jp"), None, "すみません"),  # unlabelled JIS
    ("ｶﾀｶﾅ".encode("iso2022_jp_ext"), "iso-2022-jp", "ｶﾀｶﾅ"),  # half-width katakana
    ("안녕".encode("cp949"), "ks_c_5601-1987", "안녕"),
    ("café".encode("latin-1"), "utf-8", "café"),  # a lying UTF-8 label
    ("café".encode(), "us-ascii", "café"),
    ("naïve €".encode("cp1252"), "iso-8859-1", "naïve €"),
    (b"\x81x", "iso-8859-1", "\x81x"),
    (b"plain", "x-no-such-charset", "plain"),
    (b"", "utf-8", ""),
])
def test_decode_bytes(data, charset, text):
    assert decode_bytes(data, charset) == text


def test_decode_bytes_never_raises_and_replaces_last():
    assert decode_bytes(b"\xff\xfe\xfa", "utf-8") == "ÿþú"  # no UTF-8 sequence in it at all: Windows-1252
    assert decode_bytes("返品".encode() + b"\xff", "utf-8") == "返品\ufffd"
    assert decode_bytes(b"\x81\x20", "gb2312") == "\ufffd "


def test_encoded_words_split_inside_a_character_and_lying_charsets():
    word = "返品希望".encode()
    first = "=?UTF-8?B?" + base64.b64encode(word[:4]).decode() + "?="
    second = "=?UTF-8?B?" + base64.b64encode(word[4:]).decode() + "?="
    raw = (f"From: a@example.com\r\nSubject: {first}\r\n {second} [#T-ACD3467]\r\n\r\nx").encode()
    assert parse_email(raw).subject == "返品希望 [#T-ACD3467]"
    gbk_in_gb2312 = b"Subject: =?gb2312?B?" + base64.b64encode("镕".encode("gbk")) + b"?=\r\n\r\nx"
    assert parse_email(gbk_in_gb2312).subject == "镕"
    nec = b"Subject: =?ISO-2022-JP?B?" + base64.b64encode(b"\x1b$B-!\x1b(B") + b"?=\r\n\r\nx"
    assert parse_email(nec).subject == "①"


def test_raw_eight_bit_headers_follow_the_body_charset():
    name = base64.b64encode("山田".encode("iso2022_jp")).decode()
    shift_jis = (f"From: =?ISO-2022-JP?B?{name}?= <a@example.jp>\r\nSubject: ".encode()
                 + "返品について".encode("cp932")
                 + b"\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n" + "よろしく".encode("cp932"))
    parsed = parse_email(shift_jis)
    assert (parsed.subject, parsed.text, parsed.from_name) == ("返品について", "よろしく", "山田")
    utf8 = "Subject: Rückgabe\r\nFrom: \"Jürgen\" <J@example.de>\r\n\r\nHallo".encode()
    parsed = parse_email(utf8)
    assert (parsed.subject, parsed.from_name, parsed.from_address) == ("Rückgabe", "Jürgen", "j@example.de")


@pytest.mark.parametrize(("disposition", "filename"), [
    (b"attachment; filename*=shift_jis''%95%D4%95i.pdf", "返品.pdf"),
    (b"attachment; filename*0*=utf-8''%E8%BF%94; filename*1*=%E5%93%81.pdf", "返品.pdf"),
    (b'attachment; filename="=?ISO-2022-JP?B?' + base64.b64encode("返品.pdf".encode("iso2022_jp")) + b'?="',
     "返品.pdf"),
    (b'attachment; filename="' + "返品.pdf".encode("cp932") + b'"', "返品.pdf"),
    (b'attachment; filename="../../etc/passwd"', "_.._etc_passwd"),
    (b"attachment", "attachment-1.pdf"),
])
def test_attachment_filenames(disposition, filename):
    raw = (b"From: a@example.jp\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\nbody\r\n"
           b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: " + disposition +
           b"\r\nContent-ID: <f1@example.jp>\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n")
    parsed = parse_email(raw)
    assert [(a.filename, a.content, a.size, a.content_id, a.inline) for a in parsed.attachments] == [
        (filename, b"%PDF-", 5, "f1@example.jp", False)]
    assert parsed.text == "body"


def test_token_helpers():
    assert ticket_token_in("Re: Broken zip [#T-ACD3467]") == "T-ACD3467"
    assert ticket_token_in("[#T-ABC123] x [#T-DEF4567]") == "T-ABC123"
    for subject in ("[#T-ABC12]", "[#T-ABCDEFGHIJK]", "[#t-acd3467]", "[T-ACD3467]", "#T-ACD3467", "", None):
        assert ticket_token_in(subject) is None
    assert subject_with_token("Re: Broken zip", "T-ACD3467") == "Re: Broken zip [#T-ACD3467]"
    once = subject_with_token("Re: Broken zip [#T-ACD3467]", "T-ACD3467")
    assert once == "Re: Broken zip [#T-ACD3467]"
    assert subject_with_token(once, "[#T-ACD3467]") == once
    assert subject_with_token("Re: [#T-OLD1234] Broken zip", "T-ACD3467") == "Re: Broken zip [#T-ACD3467]"
    assert subject_with_token("[#T-ACD3467] a [#T-ACD3467]", "T-ACD3467") == "a [#T-ACD3467]"
    assert subject_with_token("", "T-ACD3467") == "[#T-ACD3467]"
    with pytest.raises(ValueError, match="not a ticket token"):
        subject_with_token("x", "ACD")


NASTY = [
    b"",
    b"\x00\xff\xfe",
    b"\r\n\r\n\r\n",
    b"Subject: =?x-nonsense?Q?=FF=FE?= =?utf-8?B?####?=\r\n\r\n",
    b"Content-Type: multipart/mixed\r\n\r\nno boundary",
    b"Content-Type: text/plain; charset=\"\xff\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
    b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
    + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 300,
    b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nZm9v",
    b"From: <>\r\nTo: ,,,\r\nDate: (\r\nMessage-ID: <<>>\r\n\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=z\r\n\r\n--z\r\n"
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient\r\n\r\n--z--",
]


@pytest.mark.parametrize("raw", NASTY)
def test_never_raises_on_nasty_input(raw):
    parsed = parse_email(raw)
    assert parsed.kind in (KIND_MESSAGE, KIND_AUTO_REPLY, KIND_BOUNCE, KIND_READ_RECEIPT)


def test_never_raises_on_the_wrong_type():
    assert parse_email(None) == ParsedEmail()  # type: ignore[arg-type]
    assert parse_email("Subject: hi\n\nbody").text == "body"  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000), st.sampled_from([
    b"", b"Subject: x\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n",
    b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    b"Subject: =?iso-2022-jp?B?",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=q\r\n\r\n--q\r\n"
    b"Content-Type: message/delivery-status\r\n\r\n",
]))
def test_never_raises_on_random_bytes(noise, prefix):
    parsed = parse_email(prefix + noise)
    assert isinstance(parsed.text, str)
