"""The billing service's audit trail: one row per staff action in `billing_audit_log`."""


async def record_staff_action(conn, staff_id: int, action: str, target: str) -> None:
    await conn.execute(
        "INSERT INTO billing_audit_log (staff_id, action, target) VALUES ($1, $2, $3)",
        staff_id,
        action,
        target,
    )
