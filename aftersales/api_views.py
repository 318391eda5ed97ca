"""The store's REST API under ``/api/v1/``: one thin view per operation (STYLE #3).

Each view parses with an input serializer, calls one service of ``aftersales.services.ingestion`` and answers
with an output serializer: 201 when something was created, 200 when it already existed and was updated, 400
with ``{"field": ["message"]}`` otherwise. The bulk endpoint answers 200 with one result per order: each order
is validated and written on its own, so one bad order does not block the others.

Who may call: a staff user (``is_staff``), normally a service user made for the store's integration:
create a user with "Staff status" and no other rights in the admin, then
``manage.py drf_create_token <username>`` and send ``Authorization: Token <key>``. Anonymous callers get 401,
other users 403.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.choices import OrderSource
from aftersales.models import Order, Shipment
from aftersales.serializers import (
    OrderBulkInputSerializer,
    OrderBulkOutputSerializer,
    OrderInputSerializer,
    OrderOutputSerializer,
    ShipmentInputSerializer,
    ShipmentOutputSerializer,
    TrackingEventInputSerializer,
    TrackingEventOutputSerializer,
)
from aftersales.services.ingestion import (
    MissingReference,
    StaleVersion,
    order_upsert,
    shipment_upsert,
    tracking_event_record,
)

ERRORS = OpenApiResponse(response=OpenApiTypes.OBJECT, description=_(
    'Field-by-field errors, nested like the request, list items by position: {"total": ["Amounts cannot be '
    'negative."], "lines": {"1": {"unit_price": ["…"]}}}.'))
DENIED = {401: OpenApiResponse(description=_("No valid token.")),
          403: OpenApiResponse(description=_("The token's user is not a staff user."))}


STALE = OpenApiResponse(response=OpenApiTypes.OBJECT, description=_(
    "A newer version of the order is stored (by updated_at); nothing was changed."))


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"


@contextmanager
def service_errors():
    """A service's ``ValidationError`` or ``MissingReference`` becomes a 400 naming the field, ``StaleVersion`` a
    409 naming ``updated_at``."""
    try:
        yield
    except DjangoValidationError as error:
        raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
    except MissingReference as missing:
        raise serializers.ValidationError({missing.field: [missing.message]}) from None
    except StaleVersion as stale:
        raise Conflict({stale.field: [stale.message]}) from None


class StoreApi(APIView):
    permission_classes = [IsAdminUser]


class OrderUpsertApi(StoreApi):
    @extend_schema(operation_id="order_upsert", tags=["store"], request=OrderInputSerializer,
                   responses={201: OrderOutputSerializer, 200: OrderOutputSerializer, 400: ERRORS, 409: STALE,
                              **DENIED},
                   summary=_("Create or update one order"),
                   description=_("Idempotent by external_id: sending the same order again updates it."))
    def post(self, request):
        serializer = OrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            order, created = order_upsert(data=serializer.to_data(source=OrderSource.API))
        return Response(OrderOutputSerializer(_order_detail(order.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderBulkUpsertApi(StoreApi):
    @extend_schema(operation_id="order_bulk_upsert", tags=["store"], request=OrderBulkInputSerializer,
                   responses={200: OrderBulkOutputSerializer, 400: ERRORS, **DENIED},
                   summary=_("Create or update many orders"),
                   description=_("Each order is reported on its own; one bad order does not block the others."))
    def post(self, request):
        envelope = OrderBulkInputSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        results = [_bulk_one(index, item) for index, item in enumerate(envelope.validated_data["orders"])]
        counts = {outcome: sum(1 for result in results if result["result"] == outcome)
                  for outcome in ("created", "updated", "failed")}
        return Response(OrderBulkOutputSerializer({**counts, "results": results}).data, status=status.HTTP_200_OK)


def _bulk_one(index: int, item) -> dict:
    result = {"index": index, "external_id": str(item.get("external_id", ""))[:128] if isinstance(item, dict) else "",
              "id": None, "number": "", "errors": {}}
    serializer = OrderInputSerializer(data=item)
    try:
        serializer.is_valid(raise_exception=True)
        with service_errors():
            order, created = order_upsert(data=serializer.to_data(source=OrderSource.API))
    except (serializers.ValidationError, Conflict) as error:
        return {**result, "result": "failed", "errors": error.detail}
    return {**result, "result": "created" if created else "updated", "id": order.pk, "number": order.number}


class ShipmentUpsertApi(StoreApi):
    @extend_schema(operation_id="shipment_upsert", tags=["store"], request=ShipmentInputSerializer,
                   responses={201: ShipmentOutputSerializer, 200: ShipmentOutputSerializer, 400: ERRORS, **DENIED},
                   summary=_("Create or update one shipment of an order"),
                   description=_("Idempotent by (order, external_id)."))
    def post(self, request):
        serializer = ShipmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            shipment, created = shipment_upsert(data=serializer.to_data())
        return Response(ShipmentOutputSerializer(_shipment_detail(shipment.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TrackingEventRecordApi(StoreApi):
    @extend_schema(operation_id="tracking_event_record", tags=["store"], request=TrackingEventInputSerializer,
                   responses={201: TrackingEventOutputSerializer, 200: TrackingEventOutputSerializer, 400: ERRORS,
                              **DENIED},
                   summary=_("Record one tracking event of a shipment"),
                   description=_("Idempotent by (shipment, external_id); moves the shipment's status, delivery "
                                 "time and proof of delivery."))
    def post(self, request):
        serializer = TrackingEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            event, created = tracking_event_record(data=serializer.to_data())
        event.shipment = _shipment_detail(event.shipment_id)
        return Response(TrackingEventOutputSerializer(event).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _order_detail(pk: int) -> Order:
    return (Order.objects.select_related("market", "customer").prefetch_related("lines", "payments").get(pk=pk))


def _shipment_detail(pk: int) -> Shipment:
    return Shipment.objects.select_related("order").prefetch_related("items__line").get(pk=pk)
