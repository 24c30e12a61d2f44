"""The gateway's routes, a class per area, mixed into GatewayService."""
