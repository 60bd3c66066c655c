-- What the public reads of a scheme (the dispositif-aide schema: description, eligibility, kinds of aid,
-- targets, geographic coverage, address, opening and closing dates), as one JSON object: a description
-- read and written whole, never queried field by field. NULL while the scheme is not described.
ALTER TABLE schemes ADD COLUMN details TEXT;
