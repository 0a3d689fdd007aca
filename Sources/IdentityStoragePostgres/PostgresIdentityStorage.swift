import CLibPQ
import IdentityStorage
