from catalog.app import create_app
from catalog.settings import CatalogSettings
from servicekit.serve import serve

if __name__ == "__main__":
    settings = CatalogSettings()
    serve(create_app(settings), settings)
