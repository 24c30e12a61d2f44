"""The composition root: which deployables CityHub is made of, and the `cityhub`
command that migrates, seeds, declares and runs them. The only package that
imports the services, the gateway and the sandboxes together."""
