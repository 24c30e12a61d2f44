-- One database per deployable (see ../shared/design.md: "one database per service").
CREATE DATABASE identity;
CREATE DATABASE payments;
CREATE DATABASE appointments;
CREATE DATABASE notify;
CREATE DATABASE matters;
CREATE DATABASE gateway;
