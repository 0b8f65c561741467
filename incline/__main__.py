import sys

from incline.cli import main

sys.exit(main())
