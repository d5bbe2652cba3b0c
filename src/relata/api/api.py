from ninja import NinjaAPI

api = NinjaAPI(title="Relata API", version="1")
