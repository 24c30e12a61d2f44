"""The city's service catalogue, applications and the matters citizens follow by
tracking number, ratings, and the public progress query.

Routes of GatewayService (gateway/service.py), which holds their dependencies:
each handler checks whose citizen it is, asks one service and answers.
"""

from chassis.crypto import transit
from gateway import rate_limits, schemas
from gateway.entrypoint import api
from gateway.languages import READS_LANGUAGE, language


class MatterRoutes:
    @api("GET", "/v1/services", query=schemas.ServicesQuery,
         answers={200: schemas.CatalogueServiceList})
    def catalogue(self, request, partner_id, query):
        """The city's services holding every word of `q` (Chinese or English), those
        named by it first."""
        return 200, {"items": self.matters.search_services(query.q, query.category)}

    @api("GET", "/v1/services/<code>", answers={200: schemas.CatalogueService})
    def catalogue_service(self, request, partner_id, code):
        """One service of the catalogue: who decides it, the level it needs, its fee,
        its time limit in working days and the documents it takes."""
        return 200, self.matters.get_service(code)

    @api("POST", "/v1/citizens/<citizen_id>/applications", body=schemas.ApplyForService,
         headers=READS_LANGUAGE, answers={201: schemas.Matter})
    def apply_for_service(self, request, partner_id, citizen_id, body):
        """Apply for a catalogue service its agency decides: `submitted`, with a tracking
        number and the agency's deadline (403 below the service's level)."""
        return 201, self._as_citizen(partner_id, citizen_id, lambda token: self.matters.apply(
            citizen_id, partner_id, token, body.service_code, body.documents,
            self.cipher.seal(body.phone, transit("phone")), language(request)))

    @api("GET", "/v1/citizens/<citizen_id>/matters", headers=READS_LANGUAGE,
         answers={200: schemas.MatterList})
    def list_matters(self, request, partner_id, citizen_id):
        """The citizen's matters, newest first, each with its timeline."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.matters.list_matters(citizen_id, language(request))}

    @api("GET", "/v1/citizens/<citizen_id>/matters/<tracking_number>",
         headers=READS_LANGUAGE, answers={200: schemas.Matter})
    def get_matter(self, request, partner_id, citizen_id, tracking_number):
        """One matter by its tracking number, with every step so far."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.matters.get_matter(citizen_id, tracking_number, language(request))

    @api("POST", "/v1/citizens/<citizen_id>/matters/<tracking_number>/resubmit",
         body=schemas.Resubmit, headers=READS_LANGUAGE, answers={200: schemas.Matter})
    def resubmit_matter(self, request, partner_id, citizen_id, tracking_number, body):
        """Send back an application the agency asked corrections for, with what puts
        them right."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.matters.citizen_acts(citizen_id, tracking_number, "resubmit",
                                              body.documents, language(request))

    @api("POST", "/v1/citizens/<citizen_id>/matters/<tracking_number>/withdraw",
         headers=READS_LANGUAGE, answers={200: schemas.Matter})
    def withdraw_matter(self, request, partner_id, citizen_id, tracking_number):
        """Withdraw an application not yet decided."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.matters.citizen_acts(citizen_id, tracking_number, "withdraw",
                                              None, language(request))

    @api("POST", "/v1/citizens/<citizen_id>/matters/<tracking_number>/rating",
         body=schemas.RateMatter, answers={201: schemas.MatterRating})
    def rate_matter(self, request, partner_id, citizen_id, tracking_number, body):
        """好差评: rate a closed matter once; a poor rating gives its agency a
        rectification task (409 before it closes or once rated)."""
        self._check_owner(partner_id, citizen_id)
        return 201, self.matters.rate(citizen_id, tracking_number, body.level, body.comment)

    @api("POST", "/v1/progress", signed=False, body=schemas.ProgressQuery,
         public_limits=lambda request, kwargs: [
             (rate_limits.PROGRESS_ADDRESS, request.remote_addr or "-"),
             (rate_limits.PROGRESS_NUMBER, kwargs["body"].tracking_number)],
         headers=READS_LANGUAGE, answers={200: schemas.Progress})
    def progress(self, request, body):
        """The public progress query (进度查询): a matter's state and steps for its
        tracking number and the phone it was filed with; no partner signature. A wrong
        phone is answered as an unknown number: 404."""
        return 200, self.matters.progress(body.tracking_number,
                                          self.cipher.seal(body.phone, transit("phone")),
                                          language(request))
