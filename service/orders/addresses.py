"""A shopper's address book, and how much of an address a viewer may see."""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.accounts.models import User
from service.kit.errors import Unprocessable
from service.orders.models import Address
from service.orders.schemas import AddressIn, AddressOut

MAX_ADDRESSES = 50


class UnknownAddress(Unprocessable):
    """The address does not exist or is not one of yours."""

    code = "unknown_address"


def add_address(session: Session, *, user: User, body: AddressIn) -> Address:
    """Add an address to USER's book (at most MAX_ADDRESSES)."""
    count = len(list(session.exec(select(Address.id).where(col(Address.shopper_id) == user.id))))
    if count >= MAX_ADDRESSES:
        raise Unprocessable(
            f"an address book holds at most {MAX_ADDRESSES} addresses", details={"field": "book"}
        )
    address = Address(shopper_id=user.id, **body.model_dump())  # type: ignore[arg-type]
    session.add(address)
    session.flush()
    return address


def list_addresses(session: Session, *, user: User) -> list[Address]:
    """USER's addresses, oldest first."""
    query = select(Address).where(col(Address.shopper_id) == user.id).order_by(col(Address.id))
    return list(session.exec(query))


def own_address(session: Session, *, user: User, address_id: int) -> Address:
    """USER's address ADDRESS_ID; anyone else's is refused as unknown (422 naming the field)."""
    address = session.get(Address, address_id)
    if address is None or address.shopper_id != user.id:
        raise UnknownAddress(
            f"address {address_id} is not in your address book",
            details={"field": "address_id", "address_id": address_id},
        )
    return address


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678: enough to recognise, not enough to call."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def address_out(address: Address, *, masked: bool = False) -> AddressOut:
    """The address as shown; MASKED hides the middle of the phone number."""
    return AddressOut(
        id=address.id,  # type: ignore[arg-type]
        recipient=address.recipient,
        phone=mask_phone(address.phone) if masked else address.phone,
        province=address.province,
        city=address.city,
        district=address.district,
        detail=address.detail,
    )
