-- What the SCDL « subventions » publication needs beyond the amounts: the granting body's SIRET, whether a
-- scheme's aid is notified to the European Commission, a grant's payment terms and first payment date.
ALTER TABLE funders ADD COLUMN siret TEXT;
ALTER TABLE schemes ADD COLUMN eu_notified INTEGER;
ALTER TABLE funding_lines ADD COLUMN first_paid_on TEXT;
ALTER TABLE funding_lines ADD COLUMN payment_terms TEXT;
