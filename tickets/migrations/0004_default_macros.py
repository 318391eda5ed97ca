"""Seed the desk with prepared answers for the most frequent questions, in every language we answer in.

Spanish addresses the customer as "tú", German as "Sie", French as "vous". Managers edit or deactivate these in
the admin; reversing the migration deletes exactly the rows seeded here that nobody has edited since.
"""

from django.db import migrations

SIGN = {
    "en": "Best regards,\nCustomer support",
    "zh_hans": "此致\n客户服务团队",
    "es": "Un saludo,\nAtención al cliente",
    "de": "Mit freundlichen Grüßen\nIhr Kundenservice",
    "fr": "Cordialement,\nLe service client",
}
HELLO = {
    "en": "Hello {customer_name},",
    "zh_hans": "{customer_name}，您好：",
    "es": "Hola, {customer_name}:",
    "de": "Guten Tag {customer_name},",
    "fr": "Bonjour {customer_name},",
}

MACROS = [
    {
        "position": 10,
        "title": {
            "en": "Order status and tracking",
            "zh_hans": "订单状态与物流跟踪",
            "es": "Estado del pedido y seguimiento",
            "de": "Bestellstatus und Sendungsverfolgung",
            "fr": "Statut et suivi de la commande",
        },
        "body": {
            "en": "Thank you for your patience. Your order {order_number} is on its way. You can follow it here: "
                  "{tracking_link}\n\n"
                  "Tracking can pause for a few days while the parcel passes customs. If it has not changed for "
                  "more than 7 days, simply reply to this message and we will check with the carrier for you.",
            "zh_hans": "感谢您的耐心等待。您的订单 {order_number} 正在运输途中，您可以通过以下链接查看物流信息："
                       "{tracking_link}\n\n"
                       "包裹清关期间，物流信息可能会暂停更新几天。如果物流信息超过 7 天没有更新，请直接回复此消息，"
                       "我们会为您向承运商核实。",
            "es": "Gracias por tu paciencia. Tu pedido {order_number} está en camino. Puedes seguirlo aquí: "
                  "{tracking_link}\n\n"
                  "El seguimiento puede detenerse unos días mientras el paquete pasa la aduana. Si no cambia en más "
                  "de 7 días, responde a este mensaje y lo comprobaremos con el transportista por ti.",
            "de": "vielen Dank für Ihre Geduld. Ihre Bestellung {order_number} ist unterwegs. Hier können Sie die "
                  "Sendung verfolgen: {tracking_link}\n\n"
                  "Während das Paket den Zoll passiert, kann die Sendungsverfolgung einige Tage stillstehen. Ändert "
                  "sie sich länger als 7 Tage nicht, antworten Sie einfach auf diese Nachricht, und wir klären es "
                  "für Sie mit dem Versanddienstleister.",
            "fr": "Merci pour votre patience. Votre commande {order_number} est en route. Vous pouvez la suivre "
                  "ici : {tracking_link}\n\n"
                  "Le suivi peut s'interrompre quelques jours pendant le passage en douane. S'il n'a pas évolué "
                  "depuis plus de 7 jours, répondez simplement à ce message et nous vérifierons auprès du "
                  "transporteur pour vous.",
        },
    },
    {
        "position": 20,
        "title": {
            "en": "How to return an item",
            "zh_hans": "如何办理退货",
            "es": "Cómo hacer una devolución",
            "de": "So funktioniert die Rücksendung",
            "fr": "Comment effectuer un retour",
        },
        "body": {
            "en": "You can start a return for order {order_number} in a few steps on our returns page: "
                  "{portal_link}\n"
                  "Enter your order number and the email address you used when ordering, choose the items and the "
                  "reason, and you will receive the return instructions and address. Our returns policy: "
                  "{policy_link}\n\n"
                  "Once we have received and checked the item, we refund it to your original payment method.",
            "zh_hans": "您可以在我们的退货页面为订单 {order_number} 办理退货，只需几步：{portal_link}\n"
                       "请输入订单号和下单时使用的电子邮箱，选择要退回的商品和原因，随后您将收到退货说明和退货地址。"
                       "退货政策详见：{policy_link}\n\n"
                       "我们收到并检查商品后，会将款项退回到您原来的付款方式。",
            "es": "Puedes iniciar la devolución del pedido {order_number} en unos pocos pasos en nuestra página de "
                  "devoluciones: {portal_link}\n"
                  "Introduce el número de pedido y el correo electrónico que usaste al comprar, elige los artículos "
                  "y el motivo, y recibirás las instrucciones y la dirección de devolución. Nuestra política de "
                  "devoluciones: {policy_link}\n\n"
                  "Cuando hayamos recibido y revisado el artículo, te reembolsaremos en tu método de pago original.",
            "de": "Sie können die Rücksendung für Ihre Bestellung {order_number} in wenigen Schritten auf unserer "
                  "Retourenseite starten: {portal_link}\n"
                  "Geben Sie Ihre Bestellnummer und die E-Mail-Adresse ein, die Sie bei der Bestellung verwendet "
                  "haben, wählen Sie die Artikel und den Grund aus, und Sie erhalten die Anleitung und die "
                  "Rücksendeadresse. Unsere Rückgaberichtlinie: {policy_link}\n\n"
                  "Sobald wir den Artikel erhalten und geprüft haben, erstatten wir den Betrag auf Ihr "
                  "ursprüngliches Zahlungsmittel.",
            "fr": "Vous pouvez lancer le retour de votre commande {order_number} en quelques étapes sur notre page "
                  "des retours : {portal_link}\n"
                  "Saisissez votre numéro de commande et l'adresse e-mail utilisée lors de l'achat, choisissez les "
                  "articles et le motif, et vous recevrez les instructions et l'adresse de retour. Notre politique "
                  "de retour : {policy_link}\n\n"
                  "Dès réception et vérification de l'article, nous vous remboursons sur votre moyen de paiement "
                  "d'origine.",
        },
    },
    {
        "position": 30,
        "title": {
            "en": "When the refund arrives",
            "zh_hans": "退款到账时间",
            "es": "Cuándo llega el reembolso",
            "de": "Wann die Erstattung ankommt",
            "fr": "Délai de remboursement",
        },
        "body": {
            "en": "Once your return has been checked, we refund order {order_number} to your original payment "
                  "method (the time we promise is on our policy page: {policy_link}). After we issue the refund, "
                  "your bank or card provider usually needs 5–10 business days to show it on your statement; "
                  "PayPal refunds usually appear within a day.\n\n"
                  "If you do not see it after 10 business days, reply to this message and we will send you the "
                  "refund reference so that your bank can trace it.",
            "zh_hans": "您的退货检查完成后，我们会将订单 {order_number} 的款项退回到您原来的付款方式（我们承诺的退款"
                       "时间请见政策页面：{policy_link}）。退款发出后，银行或信用卡机构通常需要 5–10 个工作日才会在"
                       "账单上显示；PayPal 退款通常在一天内到账。\n\n"
                       "如果 10 个工作日后仍未看到退款，请回复此消息，我们会提供退款参考号，方便您的银行查询。",
            "es": "Cuando hayamos revisado tu devolución, te reembolsaremos el pedido {order_number} en tu método "
                  "de pago original (el plazo que garantizamos está en nuestra página de la política: "
                  "{policy_link}). Una vez emitido, tu banco o la entidad de tu tarjeta suele tardar entre 5 y 10 "
                  "días hábiles en mostrarlo en tu extracto; los reembolsos de PayPal suelen aparecer en un día.\n\n"
                  "Si no lo ves pasados 10 días hábiles, responde a este mensaje y te enviaremos la referencia del "
                  "reembolso para que tu banco pueda localizarlo.",
            "de": "sobald wir Ihre Rücksendung geprüft haben, erstatten wir den Betrag für die Bestellung "
                  "{order_number} auf Ihr ursprüngliches Zahlungsmittel (die zugesagte Frist finden Sie auf unserer "
                  "Richtlinienseite: {policy_link}). Nach der Erstattung dauert es je nach Bank oder Kartenanbieter "
                  "meist 5–10 Werktage, bis sie auf Ihrem Kontoauszug erscheint; PayPal-Erstattungen erscheinen in "
                  "der Regel innerhalb eines Tages.\n\n"
                  "Sollten Sie die Erstattung nach 10 Werktagen noch nicht sehen, antworten Sie auf diese Nachricht. "
                  "Wir senden Ihnen dann die Referenz der Erstattung, damit Ihre Bank sie nachverfolgen kann.",
            "fr": "Une fois votre retour vérifié, nous remboursons la commande {order_number} sur votre moyen de "
                  "paiement d'origine (le délai que nous garantissons figure sur notre page de politique de "
                  "retour : {policy_link}). Après l'émission du remboursement, votre banque ou l'émetteur de votre "
                  "carte met généralement 5 à 10 jours ouvrés à l'afficher sur votre relevé ; les remboursements "
                  "PayPal apparaissent en général sous un jour.\n\n"
                  "Si vous ne le voyez pas après 10 jours ouvrés, répondez à ce message et nous vous enverrons la "
                  "référence du remboursement pour que votre banque puisse le retrouver.",
        },
    },
    {
        "position": 40,
        "title": {
            "en": "Damaged item: ask for photos",
            "zh_hans": "商品损坏：请客户提供照片",
            "es": "Artículo dañado: pedir fotos",
            "de": "Beschädigter Artikel: Fotos anfordern",
            "fr": "Article endommagé : demander des photos",
        },
        "body": {
            "en": "We are sorry that your item from order {order_number} arrived damaged. So that we can put this "
                  "right quickly, please reply with:\n"
                  "- a photo of the damaged item,\n"
                  "- a photo of the outer packaging and the shipping label,\n"
                  "- a short description of the damage.\n\n"
                  "As soon as we have the photos, we will offer you a replacement or a refund. You do not need to "
                  "send the item back unless we ask you to.",
            "zh_hans": "很抱歉，您订单 {order_number} 中的商品到货时已损坏。为了尽快为您解决，请回复此消息并提供：\n"
                       "- 损坏商品的照片；\n"
                       "- 外包装和快递面单的照片；\n"
                       "- 对损坏情况的简短描述。\n\n"
                       "收到照片后，我们会为您安排补发或退款。除非我们另行通知，您无需寄回商品。",
            "es": "Sentimos mucho que el artículo de tu pedido {order_number} haya llegado dañado. Para "
                  "solucionarlo cuanto antes, responde a este mensaje con:\n"
                  "- una foto del artículo dañado,\n"
                  "- una foto del embalaje exterior y de la etiqueta de envío,\n"
                  "- una breve descripción del daño.\n\n"
                  "En cuanto tengamos las fotos, te ofreceremos un reemplazo o un reembolso. No hace falta que "
                  "devuelvas el artículo salvo que te lo pidamos.",
            "de": "es tut uns leid, dass Ihr Artikel aus der Bestellung {order_number} beschädigt angekommen ist. "
                  "Damit wir das schnell in Ordnung bringen können, antworten Sie bitte mit:\n"
                  "- einem Foto des beschädigten Artikels,\n"
                  "- einem Foto der Außenverpackung und des Versandetiketts,\n"
                  "- einer kurzen Beschreibung des Schadens.\n\n"
                  "Sobald uns die Fotos vorliegen, bieten wir Ihnen Ersatz oder eine Erstattung an. Bitte senden "
                  "Sie den Artikel nur zurück, wenn wir Sie darum bitten.",
            "fr": "Nous sommes désolés que l'article de votre commande {order_number} soit arrivé endommagé. Pour "
                  "régler cela rapidement, merci de répondre à ce message avec :\n"
                  "- une photo de l'article endommagé,\n"
                  "- une photo du carton d'expédition et de l'étiquette de livraison,\n"
                  "- une courte description du dommage.\n\n"
                  "Dès réception des photos, nous vous proposerons un remplacement ou un remboursement. Inutile de "
                  "renvoyer l'article, sauf si nous vous le demandons.",
        },
    },
    {
        "position": 50,
        "title": {
            "en": "Not received: carrier investigation",
            "zh_hans": "未收到包裹：向承运商发起调查",
            "es": "Pedido no recibido: investigación con el transportista",
            "de": "Nicht erhalten: Nachforschung beim Versanddienstleister",
            "fr": "Colis non reçu : enquête auprès du transporteur",
        },
        "body": {
            "en": "We are sorry that your order {order_number} has not arrived. We have opened an investigation "
                  "with the carrier. Tracking: {tracking_link}\n\n"
                  "In the meantime, please check with your neighbours, your building's reception or mailbox and the "
                  "nearest pickup point, as parcels are sometimes left there. The investigation usually takes up to "
                  "5 business days; we will write to you as soon as we hear back, and if the parcel cannot be found "
                  "we will send a replacement or refund you.",
            "zh_hans": "很抱歉，您的订单 {order_number} 尚未送达。我们已向承运商发起调查。物流跟踪：{tracking_link}\n\n"
                       "同时，请您向邻居、楼栋前台或信箱以及附近的自提点确认一下，包裹有时会被放在这些地方。调查通常"
                       "最多需要 5 个工作日；一有结果我们会立即通知您。如果包裹无法找回，我们会为您补发或退款。",
            "es": "Sentimos que tu pedido {order_number} aún no haya llegado. Hemos abierto una investigación con el "
                  "transportista. Seguimiento: {tracking_link}\n\n"
                  "Mientras tanto, pregunta a tus vecinos, en la conserjería o el buzón de tu edificio y en el punto "
                  "de recogida más cercano, porque a veces dejan los paquetes allí. La investigación suele tardar "
                  "hasta 5 días hábiles; te escribiremos en cuanto tengamos respuesta y, si el paquete no aparece, "
                  "te enviaremos un reemplazo o te haremos el reembolso.",
            "de": "es tut uns leid, dass Ihre Bestellung {order_number} noch nicht angekommen ist. Wir haben beim "
                  "Versanddienstleister eine Nachforschung eingeleitet. Sendungsverfolgung: {tracking_link}\n\n"
                  "Bitte fragen Sie in der Zwischenzeit bei Ihren Nachbarn, am Empfang oder Briefkasten Ihres Hauses "
                  "und an der nächsten Abholstation nach, da Pakete manchmal dort abgegeben werden. Die "
                  "Nachforschung dauert in der Regel bis zu 5 Werktage; wir melden uns, sobald wir eine Antwort "
                  "haben. Kann das Paket nicht gefunden werden, senden wir Ihnen Ersatz oder erstatten Ihnen den "
                  "Betrag.",
            "fr": "Nous sommes désolés que votre commande {order_number} ne soit pas encore arrivée. Nous avons "
                  "ouvert une enquête auprès du transporteur. Suivi : {tracking_link}\n\n"
                  "En attendant, renseignez-vous auprès de vos voisins, de l'accueil ou de la boîte aux lettres de "
                  "votre immeuble et du point relais le plus proche : les colis y sont parfois déposés. L'enquête "
                  "prend généralement jusqu'à 5 jours ouvrés ; nous vous écrirons dès que nous aurons une réponse "
                  "et, si le colis reste introuvable, nous vous enverrons un remplacement ou vous rembourserons.",
        },
    },
    {
        "position": 60,
        "title": {
            "en": "Returns policy in short",
            "zh_hans": "退货政策摘要",
            "es": "Resumen de la política de devoluciones",
            "de": "Rückgaberichtlinie in Kürze",
            "fr": "Politique de retour en bref",
        },
        "body": {
            "en": "Here is our returns policy in short: you can return items within the return window counted "
                  "from delivery, in the condition described on the policy page; faulty or wrong items are always "
                  "returned free of charge and refunded in full. The full policy for your country, with the return "
                  "window, who pays for return shipping and refund times: {policy_link}\n\n"
                  "To start a return, use our returns page: {portal_link}",
            "zh_hans": "以下是我们退货政策的摘要：您可以在自签收起的退货期限内退回商品，商品状态需符合政策页面的说明；"
                       "有质量问题或发错的商品，退货始终免费，并全额退款。您所在国家/地区的完整政策（包括退货期限、"
                       "退货运费由谁承担以及退款时间）：{policy_link}\n\n"
                       "如需办理退货，请访问我们的退货页面：{portal_link}",
            "es": "Este es un resumen de nuestra política de devoluciones: puedes devolver los artículos dentro del "
                  "plazo de devolución contado desde la entrega, en el estado que indica la página de la política; "
                  "los artículos defectuosos o equivocados se devuelven siempre gratis y se reembolsan por completo. "
                  "La política completa de tu país, con el plazo de devolución, quién paga el envío de la devolución "
                  "y los plazos de reembolso: {policy_link}\n\n"
                  "Para iniciar una devolución, usa nuestra página de devoluciones: {portal_link}",
            "de": "hier unsere Rückgaberichtlinie in Kürze: Sie können Artikel innerhalb der Rückgabefrist ab "
                  "Zustellung in dem auf der Richtlinienseite beschriebenen Zustand zurücksenden; defekte oder "
                  "falsch gelieferte Artikel nehmen wir immer kostenlos zurück und erstatten sie vollständig. Die "
                  "vollständige Richtlinie für Ihr Land mit Rückgabefrist, Kosten der Rücksendung und "
                  "Erstattungsfristen: {policy_link}\n\n"
                  "Eine Rücksendung starten Sie auf unserer Retourenseite: {portal_link}",
            "fr": "Voici notre politique de retour en bref : vous pouvez retourner les articles dans le délai de "
                  "retour compté à partir de la livraison, dans l'état décrit sur la page de la politique ; les "
                  "articles défectueux ou erronés sont toujours repris gratuitement et remboursés intégralement. La "
                  "politique complète pour votre pays, avec le délai de retour, la prise en charge des frais de "
                  "retour et les délais de remboursement : {policy_link}\n\n"
                  "Pour lancer un retour, rendez-vous sur notre page des retours : {portal_link}",
        },
    },
]
LANGUAGES = ("en", "zh_hans", "es", "de", "fr")


def _body(macro, language):
    return f"{HELLO[language]}\n\n{macro['body'][language]}\n\n{SIGN[language]}"


def seed(apps, schema_editor):
    Macro = apps.get_model("tickets", "Macro")
    for macro in MACROS:
        fields = {"title": macro["title"]["en"], "body": _body(macro, "en"), "position": macro["position"]}
        for language in LANGUAGES:
            fields[f"title_{language}"] = macro["title"][language]
            fields[f"body_{language}"] = _body(macro, language)
        Macro.objects.create(**fields)


def unseed(apps, schema_editor):
    Macro = apps.get_model("tickets", "Macro")
    for macro in MACROS:
        Macro.objects.filter(title_en=macro["title"]["en"], body_en=_body(macro, "en")).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_phrase_rules")]

    operations = [migrations.RunPython(seed, unseed)]
