"""Finance: invoices, number series, credit notes, payments and refunds."""
