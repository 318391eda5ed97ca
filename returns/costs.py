"""What bringing an item back costs the store, per market and fulfillment mode (minor units of the market's
currency): postage back to China is $25–40, to an overseas warehouse far less. The eligibility engine offers
"keep the item" when this is more than the item is worth."""

from aftersales.choices import FulfillmentMode, LegalProfile

# (legal profile, fulfillment mode) → cost of one return, including handling.
RETURN_COST_MINOR = {
    (LegalProfile.US, FulfillmentMode.OWN_SHIPPING): 3200,
    (LegalProfile.US, FulfillmentMode.OVERSEAS_WAREHOUSE): 900,
    (LegalProfile.US, FulfillmentMode.THIRD_PARTY): 1100,
    (LegalProfile.EU, FulfillmentMode.OWN_SHIPPING): 2800,
    (LegalProfile.EU, FulfillmentMode.OVERSEAS_WAREHOUSE): 800,
    (LegalProfile.EU, FulfillmentMode.THIRD_PARTY): 1000,
    (LegalProfile.UK, FulfillmentMode.OWN_SHIPPING): 2500,
    (LegalProfile.UK, FulfillmentMode.OVERSEAS_WAREHOUSE): 700,
    (LegalProfile.UK, FulfillmentMode.THIRD_PARTY): 900,
    (LegalProfile.AU, FulfillmentMode.OWN_SHIPPING): 4000,
    (LegalProfile.AU, FulfillmentMode.OVERSEAS_WAREHOUSE): 1200,
    (LegalProfile.AU, FulfillmentMode.THIRD_PARTY): 1400,
}
DEFAULT_COST_MINOR = 3000


def return_cost_minor(order) -> int:
    return RETURN_COST_MINOR.get((order.market.legal_profile, order.fulfillment_mode), DEFAULT_COST_MINOR)
